using Google.Protobuf;
using Google.Protobuf.Reflection;
using Montage.Grpc.Server;
using Montage.Grpc.Testing.V1;

namespace Montage.Grpc.Testing;

/// <summary>
/// The sample service of echo.proto, implementing every option of its requests: delays honour the call's
/// cancellation, failures end the call with the requested status, metadata whose key starts with <c>x-echo-</c> is
/// copied back into response headers and trailers. Its methods are virtual so that tests can observe calls.
/// </summary>
public class EchoService : IGrpcService
{
    /// <summary>Request metadata with this key prefix is echoed back when a request asks for it.</summary>
    public const string EchoMetadataPrefix = "x-echo-";

    /// <summary>Largest response payload a request may ask for.</summary>
    public const int MaxResponseSize = 64 * 1024 * 1024;

    public static ServiceDescriptor Descriptor => EchoReflection.Descriptor.Services[0];

    public virtual async Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        Validate(request);
        if (request.EchoMetadata)
        {
            await EchoMetadataAsync(context).ConfigureAwait(false);
        }

        if (request.DelayMs > 0)
        {
            await Task.Delay(request.DelayMs, context.CancellationToken).ConfigureAwait(false);
        }

        ThrowIfFailureRequested(request);
        return new EchoResponse { Message = request.Message, Payload = Payload(request.ResponseSize), Count = 1 };
    }

    public virtual async Task ServerStream(StreamRequest request, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        Validate(request);
        var payload = Payload(request.ResponseSize);
        for (var index = 0; ; index++)
        {
            if (request.FailAfter > 0 && index == request.FailAfter)
            {
                throw new RpcException((StatusCode)request.FailCode, $"Failed after {index} responses, as requested.");
            }

            if (index == request.Count)
            {
                return;
            }

            if (index > 0 && request.IntervalMs > 0)
            {
                await Task.Delay(request.IntervalMs, context.CancellationToken).ConfigureAwait(false);
            }

            await responseStream.WriteAsync(
                new EchoResponse { Message = request.Message, Index = index, Payload = payload, Count = request.Count },
                context.CancellationToken).ConfigureAwait(false);
        }
    }

    public virtual async Task<EchoResponse> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        var messages = new System.Text.StringBuilder();
        var count = 0;
        var responseSize = 0;
        var metadataEchoed = false;
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = requestStream.Current;
            Validate(request);
            if (request.EchoMetadata && !metadataEchoed)
            {
                await EchoMetadataAsync(context).ConfigureAwait(false);
                metadataEchoed = true;
            }

            if (request.DelayMs > 0)
            {
                await Task.Delay(request.DelayMs, context.CancellationToken).ConfigureAwait(false);
            }

            ThrowIfFailureRequested(request);
            messages.Append(request.Message);
            responseSize = Math.Max(responseSize, request.ResponseSize);
            count++;
        }

        return new EchoResponse { Message = messages.ToString(), Count = count, Payload = Payload(responseSize) };
    }

    public virtual async Task Duplex(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var index = 0;
        var metadataEchoed = false;
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = requestStream.Current;
            Validate(request);
            if (request.EchoMetadata && !metadataEchoed)
            {
                await EchoMetadataAsync(context).ConfigureAwait(false);
                metadataEchoed = true;
            }

            if (request.DelayMs > 0)
            {
                await Task.Delay(request.DelayMs, context.CancellationToken).ConfigureAwait(false);
            }

            ThrowIfFailureRequested(request);
            await responseStream.WriteAsync(
                new EchoResponse { Message = request.Message, Index = index, Payload = Payload(request.ResponseSize), Count = index + 1 },
                context.CancellationToken).ConfigureAwait(false);
            index++;
        }
    }

    private static ByteString Payload(int size)
    {
        if (size == 0)
        {
            return ByteString.Empty;
        }

        // A repeating byte pattern: content a receiver can verify, and that gzip tests can compress.
        var bytes = new byte[size];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)i;
        }

        return ByteString.CopyFrom(bytes);
    }

    private static async Task EchoMetadataAsync(ServerCallContext context)
    {
        var echoed = new Metadata();
        foreach (var entry in context.RequestHeaders)
        {
            if (entry.Key.StartsWith(EchoMetadataPrefix, StringComparison.Ordinal))
            {
                echoed.Add(entry);
                context.ResponseTrailers.Add(entry);
            }
        }

        await context.WriteResponseHeadersAsync(echoed).ConfigureAwait(false);
    }

    private static void ThrowIfFailureRequested(EchoRequest request)
    {
        if (request.FailCode != 0)
        {
            throw new RpcException((StatusCode)request.FailCode, request.FailMessage);
        }
    }

    private static void Validate(EchoRequest request)
    {
        if (request.DelayMs < 0)
        {
            throw new RpcException(StatusCode.InvalidArgument, "delay_ms must not be negative.");
        }

        ValidateStatusCode(request.FailCode, "fail_code");
        ValidateResponseSize(request.ResponseSize);
    }

    private static void Validate(StreamRequest request)
    {
        if (request.Count < 0 || request.IntervalMs < 0 || request.FailAfter < 0)
        {
            throw new RpcException(StatusCode.InvalidArgument, "count, interval_ms and fail_after must not be negative.");
        }

        ValidateStatusCode(request.FailCode, "fail_code");
        if (request.FailAfter > 0 && request.FailCode == 0)
        {
            throw new RpcException(StatusCode.InvalidArgument, "fail_after needs a non-zero fail_code.");
        }

        ValidateResponseSize(request.ResponseSize);
    }

    private static void ValidateStatusCode(int code, string field)
    {
        if (code is < 0 or > (int)StatusCode.Unauthenticated)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"{field} must be a gRPC status code (0 to 16).");
        }
    }

    private static void ValidateResponseSize(int size)
    {
        if (size is < 0 or > MaxResponseSize)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"response_size must be between 0 and {MaxResponseSize}.");
        }
    }
}
