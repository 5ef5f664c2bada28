using System.Collections.Concurrent;
using Google.Protobuf;
using Montage.Grpc.Testing;
using Montage.Grpc.Testing.V1;

namespace Montage.Grpc.Tests.Infrastructure;

/// <summary>Records, per call id (request header <c>x-probe-id</c>), when a handler started, saw cancellation and ended.</summary>
public sealed class CallProbe
{
    public const string Header = "x-probe-id";

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelled = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _ended = new();

    public Task WhenStarted(string id) => Get(_started, id).Task;

    public Task WhenCancelled(string id) => Get(_cancelled, id).Task;

    public Task WhenEnded(string id) => Get(_ended, id).Task;

    internal IDisposable Observe(ServerCallContext context)
    {
        var id = context.RequestHeaders.GetValue(Header);
        if (id is null)
        {
            return new Registration(default, null);
        }

        Get(_started, id).TrySetResult();
        var registration = context.CancellationToken.Register(() => Get(_cancelled, id).TrySetResult());
        return new Registration(registration, () => Get(_ended, id).TrySetResult());
    }

    private static TaskCompletionSource Get(ConcurrentDictionary<string, TaskCompletionSource> map, string id) =>
        map.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private sealed class Registration(CancellationTokenRegistration registration, Action? onEnd) : IDisposable
    {
        public void Dispose()
        {
            registration.Dispose();
            onEnd?.Invoke();
        }
    }
}

/// <summary>
/// The EchoService with observation hooks for tests, plus two misbehaviours the real service never shows:
/// a message "throw:..." throws an unexpected exception, "ignore-token" sleeps without honouring cancellation; and
/// server streams of payload-only messages (see <see cref="PayloadOnly"/>) for the bytes-field reader.
/// </summary>
public sealed class ObservedEchoService(CallProbe probe) : EchoService
{
    public const string ThrowPrefix = "throw:";
    public const string IgnoreToken = "ignore-token";
    public const string DescribeContext = "describe-context";

    /// <summary>A ServerStream message: responses alternate between payload-only messages and full ones.</summary>
    public const string PayloadOnly = "payload-only";

    /// <summary>As <see cref="PayloadOnly"/>, but responses are compressed for clients that accept it.</summary>
    public const string PayloadOnlyCompressed = "payload-only-compressed";

    public override async Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
    {
        using var observation = probe.Observe(context);
        if (request.Message.StartsWith(ThrowPrefix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(request.Message[ThrowPrefix.Length..]);
        }

        if (request.Message == DescribeContext)
        {
            var http = context.GetHttpContext();
            var deadline = context.Deadline == DateTime.MaxValue ? "none" : (context.Deadline - DateTime.UtcNow).TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
            return new EchoResponse { Message = string.Join("|", context.Method, context.Host, context.Peer, deadline, http.Request.Protocol) };
        }

        if (request.Message == IgnoreToken)
        {
            await Task.Delay(request.DelayMs);
            return new EchoResponse { Message = "too late" };
        }

        return await base.Echo(request, context);
    }

    public override async Task ServerStream(StreamRequest request, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        using var observation = probe.Observe(context);
        if (request.Message is PayloadOnly or PayloadOnlyCompressed)
        {
            await WritePayloadOnlyAsync(request, responseStream, context);
            return;
        }

        await base.ServerStream(request, responseStream, context);
    }

    /// <summary>
    /// Even-indexed responses carry only a payload (a message of one bytes field), odd ones a message, an index and a
    /// payload; payload i is <see cref="PayloadOf"/>(i, response_size). Uncompressed unless asked for compression.
    /// </summary>
    private static async Task WritePayloadOnlyAsync(StreamRequest request, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        if (request.Message == PayloadOnly)
        {
            responseStream.WriteOptions = new WriteOptions(NoCompress: true);
        }

        for (var index = 0; index < request.Count; index++)
        {
            var payload = ByteString.CopyFrom(PayloadOf(index, request.ResponseSize));
            var response = index % 2 == 0 ? new EchoResponse { Payload = payload } : new EchoResponse { Message = "odd", Index = index, Payload = payload };
            await responseStream.WriteAsync(response, context.CancellationToken);
        }
    }

    /// <summary>The payload of response <paramref name="index"/> in a payload-only stream.</summary>
    public static byte[] PayloadOf(int index, int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)((i * 7) + index);
        }

        return bytes;
    }

    public override async Task Duplex(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        using var observation = probe.Observe(context);
        await base.Duplex(requestStream, responseStream, context);
    }
}
