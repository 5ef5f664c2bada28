using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Primitives;
using Montage.Grpc.Protocol;

namespace Montage.Grpc.Server;

/// <summary>
/// One call on the server: its context, its request reader and its response writer in a single object, so that a
/// call costs one allocation of ours. The cancellation source is made only when something needs it (a deadline, a
/// streaming read or write, or a handler reading <see cref="CancellationToken"/>).
/// </summary>
internal sealed class ServerCall<TRequest, TResponse> : ServerCallContext, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private const string DeadlineExceededMessage = "Deadline Exceeded";

    // Timers take at most 0xFFFFFFFE ms; a longer deadline is not enforced by a timer (it is 49 days away).
    private static readonly TimeSpan MaxTimerDueTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    private static readonly Task<bool> TrueTask = Task.FromResult(true);
    private static readonly Task<bool> FalseTask = Task.FromResult(false);

    private readonly HttpContext _httpContext;
    private readonly ServerMethodInfo _method;
    private readonly MessageParser<TRequest> _parser;

    private CancellationTokenSource? _cts;
    private CancellationTokenSource? _deadlineCts;
    private CancellationTokenRegistration _abortedRegistration;
    private CancellationTokenRegistration _stoppingRegistration;
    private ITimer? _deadlineTimer;
    private TimeSpan _timeout;
    private DateTime _deadline = DateTime.MaxValue;

    // Present only with a deadline: the deadline timer is the only writer that can race the handler.
    private SemaphoreSlim? _writeLock;
    private Task? _deadlineTask;
    private volatile bool _deadlineExceeded;

    private bool _responseCompleted;
    private bool _bodyWritten;
    private bool _headersSent;
    private string? _responseEncoding;
    private MessageReadOptions _readOptions;

    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private Dictionary<object, object>? _userState;
    private string? _peer;
    private TRequest? _current;

    public ServerCall(HttpContext httpContext, ServerMethodInfo method, MessageParser<TRequest> parser)
    {
        _httpContext = httpContext;
        _method = method;
        _parser = parser;
    }

    /// <summary>The status code actually sent to the client (the deadline may win over the handler's status).</summary>
    public StatusCode SentStatusCode { get; private set; }

    public override string Method => _method.FullName;

    public override string Host => _httpContext.Request.Host.Value ?? "";

    public override string Peer => _peer ??= FormatPeer(_httpContext.Connection);

    public override DateTime Deadline => _deadline;

    public override CancellationToken CancellationToken => (_cts ?? EnsureCancellationSource()).Token;

    /// <summary>Cancelled by the deadline only: a flush blocked by a client that stopped reading must end with the call.</summary>
    private CancellationToken DeadlineToken => _deadlineCts?.Token ?? default;

    public override Metadata RequestHeaders => _requestHeaders ??= ReadRequestHeaders(_httpContext.Request.Headers);

    public override Metadata ResponseTrailers => _responseTrailers ??= [];

    public override Status Status { get; set; } = Status.DefaultSuccess;

    public override WriteOptions? WriteOptions { get; set; }

    public override IDictionary<object, object> UserState => _userState ??= [];

    public TRequest Current => _current ?? throw new InvalidOperationException("No message has been read yet: call MoveNext first.");

    WriteOptions? IAsyncStreamWriter<TResponse>.WriteOptions
    {
        get => WriteOptions;
        set => WriteOptions = value;
    }

    public override HttpContext GetHttpContext() => _httpContext;

    /// <summary>Reads the protocol headers, sets the response headers every answer carries, and arms the deadline.</summary>
    public void Initialize()
    {
        var request = _httpContext.Request;
        var headers = request.Headers;
        var encoding = headers.GrpcEncoding;
        _readOptions = new MessageReadOptions(_method.MaxReceiveMessageSize, StringValues.IsNullOrEmpty(encoding) ? null : encoding.ToString());

        // Kestrel's request body limit (30 MB) and minimum data rate would cut streams the gRPC limits allow.
        var features = _httpContext.Features;
        if (features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        if (_method.IsClientStreaming && features.Get<IHttpMinRequestBodyDataRateFeature>() is { } dataRate)
        {
            dataRate.MinDataRate = null;
        }

        if (_method.Type != MethodType.Unary)
        {
            DisableRequestTimeout();
        }

        var response = _httpContext.Response;
        response.ContentType = GrpcProtocol.ContentType;
        var responseHeaders = response.Headers;
        responseHeaders.GrpcAcceptEncoding = MessageCompression.AcceptEncoding;
        if (_method.ResponseCompressionAlgorithm is { } algorithm && ContainsToken(headers.GrpcAcceptEncoding, algorithm))
        {
            _responseEncoding = algorithm;
            responseHeaders.GrpcEncoding = algorithm;
        }

        var timeoutHeader = headers.GrpcTimeout;
        if (!StringValues.IsNullOrEmpty(timeoutHeader))
        {
            var value = timeoutHeader.ToString();
            if (GrpcTimeout.TryParse(value, out var timeout))
            {
                ArmDeadline(timeout);
            }
            else
            {
                ServerLog.MalformedTimeout(_method.Logger, _method.FullName, value);
            }
        }
    }

    /// <summary>Reads the one request message of a unary or server-streaming call, up to the end of the request.</summary>
    public async ValueTask<TRequest> ReadSingleRequestAsync()
    {
        var reader = _httpContext.Request.BodyReader;
        var token = _cts?.Token ?? default;
        TRequest? message = null;
        while (true)
        {
            var result = await reader.ReadAsync(token).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                if (message is null)
                {
                    MessageFraming.TryReadMessage(ref buffer, _parser, _readOptions, out message);
                }

                if (message is not null && !buffer.IsEmpty)
                {
                    throw new RpcException(StatusCode.Internal, "Additional data after the message received.");
                }

                if (result.IsCompleted)
                {
                    return message ?? throw new RpcException(
                        StatusCode.Internal, buffer.IsEmpty ? "Request did not include a message." : "Incomplete message.");
                }

                if (result.IsCanceled)
                {
                    throw new OperationCanceledException(token);
                }
            }
            finally
            {
                // A parsed message is copied out of Kestrel's buffers, so everything read so far can be released.
                if (message is not null)
                {
                    reader.AdvanceTo(buffer.End);
                }
                else
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
    }

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        var token = cancellationToken.CanBeCanceled ? cancellationToken : CancellationToken;
        if (token.IsCancellationRequested)
        {
            return Task.FromCanceled<bool>(token);
        }

        var read = MessageFraming.ReadMessageAsync(_httpContext.Request.BodyReader, _parser, _readOptions, token);
        if (read.IsCompletedSuccessfully)
        {
            return Advance(read.Result) ? TrueTask : FalseTask;
        }

        return AwaitRead(read);
    }

    public Task WriteAsync(TResponse message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        // Past the deadline or after a client reset nobody reads the message. A shutdown still lets handlers say goodbye.
        if (_deadlineExceeded || _httpContext.RequestAborted.IsCancellationRequested)
        {
            return Task.FromException(new OperationCanceledException("The call is over: its deadline passed or the client cancelled it."));
        }

        var flushToken = cancellationToken.CanBeCanceled ? cancellationToken : DeadlineToken;
        return _writeLock is null ? WriteAndFlushAsync(message, flushToken) : WriteLockedAsync(message, flushToken);
    }

    public override async Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        if (_writeLock is not null)
        {
            await _writeLock.WaitAsync(DeadlineToken).ConfigureAwait(false);
        }

        try
        {
            if (_responseCompleted)
            {
                throw new InvalidOperationException("Can't write response headers because the call is complete.");
            }

            if (_headersSent || _bodyWritten || _httpContext.Response.HasStarted)
            {
                throw new InvalidOperationException("Response headers can only be sent once per call, before the first message.");
            }

            GrpcHttpResponses.AppendMetadata(_httpContext.Response.Headers, responseHeaders);
            _headersSent = true;
            await _httpContext.Response.BodyWriter.FlushAsync(DeadlineToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock?.Release();
        }
    }

    /// <summary>Writes the single response of a unary or client-streaming call; it goes out with the trailers.</summary>
    public async ValueTask WriteSingleResponseAsync(TResponse response)
    {
        if (_writeLock is not null)
        {
            await _writeLock.WaitAsync().ConfigureAwait(false);
        }

        try
        {
            if (!_responseCompleted)
            {
                WriteMessage(response);
            }
        }
        finally
        {
            _writeLock?.Release();
        }
    }

    /// <summary>Turns what a handler threw into the status to send, logging what the client must not see.</summary>
    public Status StatusFromException(Exception exception)
    {
        if (exception is RpcException rpc)
        {
            if (rpc.Trailers.Count > 0)
            {
                foreach (var entry in rpc.Trailers)
                {
                    ResponseTrailers.Add(entry);
                }
            }

            ServerLog.RpcFailed(_method.Logger, _method.FullName, rpc.StatusCode, rpc.Status.Detail);
            return rpc.Status;
        }

        if (_deadlineExceeded)
        {
            return new Status(StatusCode.DeadlineExceeded, DeadlineExceededMessage);
        }

        if (_httpContext.RequestAborted.IsCancellationRequested)
        {
            ServerLog.CancelledByClient(_method.Logger, _method.FullName);
            return new Status(StatusCode.Cancelled, "Call canceled by the client.");
        }

        if (exception is OperationCanceledException && _method.Stopping.IsCancellationRequested)
        {
            return new Status(StatusCode.Unavailable, "The server is shutting down.");
        }

        ServerLog.ErrorExecutingServiceMethod(_method.Logger, _method.FullName, exception);
        var detail = _method.EnableDetailedErrors
            ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
            : "Exception was thrown by handler.";
        return new Status(StatusCode.Internal, detail);
    }

    /// <summary>Sends the final status: in the headers when nothing was sent yet (trailers-only), else as trailers.</summary>
    public async ValueTask EndCallAsync(Status status)
    {
        if (_writeLock is not null)
        {
            await _writeLock.WaitAsync().ConfigureAwait(false);
        }

        try
        {
            if (_responseCompleted)
            {
                return;
            }

            _responseCompleted = true;
            SentStatusCode = status.StatusCode;
            var response = _httpContext.Response;
            var trailersOnly = !_bodyWritten && !_headersSent && !response.HasStarted;
            var destination = trailersOnly
                ? response.Headers
                : _httpContext.Features.Get<IHttpResponseTrailersFeature>()?.Trailers ?? response.Headers;
            GrpcHttpResponses.SetStatus(destination, status);
            if (_responseTrailers is { Count: > 0 } trailers)
            {
                GrpcHttpResponses.AppendMetadata(destination, trailers);
            }
        }
        finally
        {
            _writeLock?.Release();
        }
    }

    /// <summary>Stops the deadline timer and waits for a deadline completion in flight, so no one touches the HttpContext after the call.</summary>
    public async ValueTask CleanupAsync()
    {
        if (_deadlineTimer is not null)
        {
            await _deadlineTimer.DisposeAsync().ConfigureAwait(false);
        }

        if (_deadlineTask is not null)
        {
            await _deadlineTask.ConfigureAwait(false);
        }

        _abortedRegistration.Dispose();
        _stoppingRegistration.Dispose();
    }

    private static bool ContainsToken(StringValues values, string token)
    {
        foreach (var value in values)
        {
            var rest = value.AsSpan();
            while (!rest.IsEmpty)
            {
                var comma = rest.IndexOf(',');
                var item = (comma < 0 ? rest : rest[..comma]).Trim();
                if (item.Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }

                rest = comma < 0 ? default : rest[(comma + 1)..];
            }
        }

        return false;
    }

    private static Metadata ReadRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            try
            {
                MetadataEncoding.AddHeader(metadata, name, values);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                // A header that is not valid gRPC metadata (odd characters, bad base64) is not the handler's business.
            }
        }

        return metadata;
    }

    private static string FormatPeer(ConnectionInfo connection) => connection.RemoteIpAddress switch
    {
        null => "unknown",
        { AddressFamily: AddressFamily.InterNetworkV6 } ip => $"ipv6:[{ip}]:{connection.RemotePort}",
        IPAddress ip => $"ipv4:{ip}:{connection.RemotePort}",
    };

    // A stream lives as long as its deadline says: an app-wide request timeout would cut it, unless its endpoint asks for one.
    private void DisableRequestTimeout()
    {
        if (_httpContext.Features.Get<IHttpRequestTimeoutFeature>() is not { } feature)
        {
            return;
        }

        var metadata = _httpContext.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<RequestTimeoutAttribute>() is not null || metadata?.GetMetadata<RequestTimeoutPolicy>() is not null)
        {
            return;
        }

        feature.DisableTimeout();
    }

    private bool Advance(TRequest? message)
    {
        if (message is null)
        {
            return false;
        }

        _current = message;
        return true;
    }

    private async Task<bool> AwaitRead(ValueTask<TRequest?> read) => Advance(await read.ConfigureAwait(false));

    private void WriteMessage(TResponse message)
    {
        var compress = _responseEncoding is not null && WriteOptions is not { NoCompress: true };
        MessageFraming.WriteMessage(
            _httpContext.Response.BodyWriter, message, new MessageWriteOptions(_method.MaxSendMessageSize, compress ? _responseEncoding : null));
        _bodyWritten = true;
    }

    private Task WriteAndFlushAsync(TResponse message, CancellationToken token)
    {
        if (_responseCompleted)
        {
            throw new InvalidOperationException("Can't write the message because the call is complete.");
        }

        WriteMessage(message);
        var flush = _httpContext.Response.BodyWriter.FlushAsync(token);
        if (flush.IsCompletedSuccessfully)
        {
            return flush.Result.IsCanceled ? Task.FromCanceled(token) : Task.CompletedTask;
        }

        return AwaitFlush(flush, token);
    }

    private static async Task AwaitFlush(ValueTask<FlushResult> flush, CancellationToken token)
    {
        if ((await flush.ConfigureAwait(false)).IsCanceled)
        {
            throw new OperationCanceledException(token);
        }
    }

    private async Task WriteLockedAsync(TResponse message, CancellationToken token)
    {
        await _writeLock!.WaitAsync(token).ConfigureAwait(false);
        try
        {
            await WriteAndFlushAsync(message, token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private CancellationTokenSource EnsureCancellationSource()
    {
        var created = new CancellationTokenSource();
        if (Interlocked.CompareExchange(ref _cts, created, null) is { } existing)
        {
            created.Dispose();
            return existing;
        }

        _abortedRegistration = _httpContext.RequestAborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), created);
        _stoppingRegistration = _method.Stopping.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), created);
        return created;
    }

    private void ArmDeadline(TimeSpan timeout)
    {
        _timeout = timeout;
        var now = DateTime.UtcNow;
        _deadline = timeout >= DateTime.MaxValue - now ? DateTime.MaxValue : now + timeout;
        _writeLock = new SemaphoreSlim(1, 1);
        _deadlineCts = new CancellationTokenSource();
        EnsureCancellationSource();
        if (timeout <= MaxTimerDueTime)
        {
            _deadlineTimer = TimeProvider.System.CreateTimer(
                static s => ((ServerCall<TRequest, TResponse>)s!).OnDeadline(), this, timeout, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnDeadline()
    {
        _deadlineExceeded = true;
        _deadlineTask = CompleteOnDeadlineAsync();
        try
        {
            _deadlineCts!.Cancel();
            _cts!.Cancel();
        }
        catch (AggregateException)
        {
            // A handler's cancellation callback failed; the call is ending with DEADLINE_EXCEEDED regardless.
        }
    }

    // The handler may ignore its token: the client still gets DEADLINE_EXCEEDED when the deadline passes.
    private async Task CompleteOnDeadlineAsync()
    {
        await _writeLock!.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_responseCompleted)
            {
                return;
            }

            _responseCompleted = true;
            SentStatusCode = StatusCode.DeadlineExceeded;
            ServerLog.DeadlineExceeded(_method.Logger, _method.FullName, _timeout);
            var response = _httpContext.Response;
            var trailersOnly = !_bodyWritten && !_headersSent && !response.HasStarted;
            var destination = trailersOnly
                ? response.Headers
                : _httpContext.Features.Get<IHttpResponseTrailersFeature>()?.Trailers ?? response.Headers;
            GrpcHttpResponses.SetStatus(destination, new Status(StatusCode.DeadlineExceeded, DeadlineExceededMessage));
            await response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ServerLog.DeadlineCompletionFailed(_method.Logger, _method.FullName, ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
