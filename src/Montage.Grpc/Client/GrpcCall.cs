using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Montage.Grpc.Protocol;

namespace Montage.Grpc.Client;

/// <summary>
/// One call: one HTTP/2 request whose body carries the request messages and whose response body carries the
/// response messages, ended by the status in the trailers (or in the headers of a trailers-only response).
/// The first outcome wins: the server's status, a local deadline, a cancellation, or a transport failure.
/// </summary>
internal sealed class GrpcCall<TRequest, TResponse> : IClientCall
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private const string UserAgent = "grpc-dotnet-montage/1.0";

    private static readonly Status CancelledByClient = new(StatusCode.Cancelled, "The call was canceled by the client.");
    private static readonly Status DeadlineExceeded = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    // How long a failed request write waits for the status of a server that already ended the call.
    private static readonly TimeSpan ServerStatusGrace = TimeSpan.FromSeconds(5);

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallTarget _target;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _cts = new();
    private readonly CancellationToken _token;
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private readonly bool _hasDeadline;
    private CancellationTokenRegistration _userCancellation;
    private Activity? _activity;
    private HttpResponseMessage? _response;
    private ResponseMessageReader? _body;
    private MessageReadOptions _readOptions;
    private Task<bool>? _start;
    private Task<TResponse>? _singleResponse;
    private Task<Metadata>? _responseHeaders;
    private StreamingRequestContent? _requestContent;
    private CallOutcome? _outcome;

    // Set before the token is canceled by the client (token or Dispose); a canceled token without it is the deadline.
    private volatile bool _canceledByClient;

    public GrpcCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallTarget target, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _target = target;
        _options = options;
        _token = _cts.Token;
        _hasDeadline = options.Deadline is { } deadline && deadline != DateTime.MaxValue;
    }

    public Task<Metadata> ResponseHeadersAsync
    {
        get
        {
            var task = _responseHeaders;
            if (task is null)
            {
                task = GetResponseHeadersAsync();
                task = Interlocked.CompareExchange(ref _responseHeaders, task, null) ?? task;
            }

            return task;
        }
    }

    internal bool IsFinished => _outcome is not null;

    internal CancellationToken CallToken => _token;

    public AsyncUnaryCall<TResponse> StartUnary(TRequest request)
    {
        _start = StartWithMessage(request);
        return new AsyncUnaryCall<TResponse>(ReadSingleResponseAsync(), this);
    }

    public AsyncServerStreamingCall<TResponse> StartServerStreaming(TRequest request)
    {
        _start = StartWithMessage(request);
        return new AsyncServerStreamingCall<TResponse>(new ResponseStreamReader<TRequest, TResponse>(this), this);
    }

    public AsyncClientStreamingCall<TRequest, TResponse> StartClientStreaming()
    {
        _requestContent = new StreamingRequestContent();
        _start = StartAsync(_requestContent);
        _singleResponse = ReadSingleResponseAsync();
        return new AsyncClientStreamingCall<TRequest, TResponse>(new ClientStreamWriter<TRequest, TResponse>(this, _requestContent), _singleResponse, this);
    }

    public AsyncDuplexStreamingCall<TRequest, TResponse> StartDuplexStreaming()
    {
        _requestContent = new StreamingRequestContent();
        _start = StartAsync(_requestContent);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            new ClientStreamWriter<TRequest, TResponse>(this, _requestContent),
            new ResponseStreamReader<TRequest, TResponse>(this),
            this);
    }

    public Status GetStatus() =>
        _outcome?.Status ?? throw new InvalidOperationException("The call is still in progress; its status is not known yet.");

    public Metadata GetTrailers() =>
        _outcome?.Trailers ?? throw new InvalidOperationException("The call is still in progress; its trailers have not arrived yet.");

    public void Dispose()
    {
        if (_outcome is null)
        {
            CancelByClient();
        }

        _userCancellation.Unregister();
    }

    /// <summary>Cancels the call on behalf of the client (its token, a read's or write's token, or Dispose).</summary>
    internal void CancelByClient()
    {
        _canceledByClient = true;
        if (TryFinish(new CallOutcome(CancelledByClient, new Metadata())))
        {
            Abort();
        }
    }

    /// <summary>
    /// Frames a request message: the 5-byte prefix and the protobuf bytes (gzip-compressed when the channel asks and
    /// the write does not opt out). Throws RESOURCE_EXHAUSTED above the channel's send limit, before anything is sent.
    /// </summary>
    internal byte[] FrameMessage(TRequest message, WriteOptions? writeOptions) => FrameMessage(message, writeOptions, pooled: false).Buffer;

    /// <summary>
    /// Frames a request message into a buffer of at least its length; with <paramref name="pooled"/> an uncompressed
    /// frame is written into a rented array (large upload chunks then cost no fresh allocation each), which the caller
    /// returns once the frame has been written.
    /// </summary>
    internal (byte[] Buffer, int Length, bool Pooled) FrameMessage(TRequest message, WriteOptions? writeOptions, bool pooled)
    {
        var size = message.CalculateSize();
        if (_channel.MaxSendMessageSize is { } max && size > max)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Sending message of {size} bytes exceeds the maximum size of {max} bytes.");
        }

        if (_channel.CompressionEncoding is not null && writeOptions?.NoCompress != true)
        {
            var compressed = MessageCompression.Compress(message.ToByteArray());
            var compressedFrame = new byte[GrpcProtocol.MessageHeaderSize + compressed.Length];
            compressedFrame[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(compressedFrame.AsSpan(1), (uint)compressed.Length);
            compressed.CopyTo(compressedFrame.AsSpan(GrpcProtocol.MessageHeaderSize));
            return (compressedFrame, compressedFrame.Length, false);
        }

        var length = GrpcProtocol.MessageHeaderSize + size;
        var frame = pooled ? ArrayPool<byte>.Shared.Rent(length) : new byte[length];
        frame[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)size);
        message.WriteTo(frame.AsSpan(GrpcProtocol.MessageHeaderSize, size));
        return (frame, length, pooled);
    }

    /// <summary>Reads the next response message; null at the end of an OK call; throws RpcException otherwise.</summary>
    internal async ValueTask<TResponse?> ReadNextAsync(CancellationToken cancellationToken)
    {
        if (_outcome is { } done)
        {
            return done.Status.StatusCode == StatusCode.OK ? null : throw done.CreateException();
        }

        using var registration = RegisterClientToken(cancellationToken);
        try
        {
            if (!await _start!.ConfigureAwait(false))
            {
                return FinishedWithoutMessage();
            }

            var message = await _body!.ReadAsync(_method.ResponseParser, _readOptions, 0, _token).ConfigureAwait(false);
            if (message is not null)
            {
                return message;
            }

            var outcome = ReadOutcome(_response!.TrailingHeaders);
            Finish(outcome);
            return outcome.Status.StatusCode == StatusCode.OK ? null : throw outcome.CreateException();
        }
        catch (Exception error)
        {
            throw Fail(error);
        }
    }

    /// <summary>
    /// Reads the next response like <see cref="ReadNextAsync"/>, except that a message of only field
    /// <paramref name="bytesField"/> comes back as its bytes (in place, valid until the next read), not parsed.
    /// Both empty: the end of an OK call.
    /// </summary>
    internal async ValueTask<(TResponse? Message, ReadOnlyMemory<byte>? Bytes)> ReadNextOrBytesFieldAsync(int bytesField, CancellationToken cancellationToken)
    {
        if (_outcome is { } done)
        {
            return done.Status.StatusCode == StatusCode.OK ? default : throw done.CreateException();
        }

        using var registration = RegisterClientToken(cancellationToken);
        try
        {
            if (!await _start!.ConfigureAwait(false))
            {
                return (FinishedWithoutMessage(), null);
            }

            var message = await _body!.ReadAsync(_method.ResponseParser, _readOptions, bytesField, _token).ConfigureAwait(false);
            if (message is not null || _body.LastBytes is not null)
            {
                return (message, _body.LastBytes);
            }

            var outcome = ReadOutcome(_response!.TrailingHeaders);
            Finish(outcome);
            return outcome.Status.StatusCode == StatusCode.OK ? default : throw outcome.CreateException();
        }
        catch (Exception error)
        {
            throw Fail(error);
        }
    }

    /// <summary>
    /// Frames a message of only field <paramref name="fieldNumber"/> = <paramref name="bytes"/>: returns the length of the
    /// gRPC prefix and the field's tag and length written to <paramref name="header"/> (the bytes themselves follow unframed),
    /// or, when the channel compresses, 0 and the whole compressed frame in <paramref name="compressedFrame"/>.
    /// Throws RESOURCE_EXHAUSTED above the channel's send limit, before anything is sent.
    /// </summary>
    internal int FrameBytesField(int fieldNumber, ReadOnlyMemory<byte> bytes, WriteOptions? writeOptions, Span<byte> header, out byte[]? compressedFrame)
    {
        Span<byte> prefix = stackalloc byte[BytesFieldMessage.MaxPrefixSize];
        var prefixLength = BytesFieldMessage.WritePrefix(prefix, fieldNumber, bytes.Length);
        var size = (long)prefixLength + bytes.Length;
        if (_channel.MaxSendMessageSize is { } max && size > max)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Sending message of {size} bytes exceeds the maximum size of {max} bytes.");
        }

        if (_channel.CompressionEncoding is not null && writeOptions?.NoCompress != true)
        {
            var message = new byte[size];
            prefix[..prefixLength].CopyTo(message);
            bytes.Span.CopyTo(message.AsSpan(prefixLength));
            var compressed = MessageCompression.Compress(message);
            compressedFrame = new byte[GrpcProtocol.MessageHeaderSize + compressed.Length];
            compressedFrame[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(compressedFrame.AsSpan(1), (uint)compressed.Length);
            compressed.CopyTo(compressedFrame.AsSpan(GrpcProtocol.MessageHeaderSize));
            return 0;
        }

        compressedFrame = null;
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)size);
        prefix[..prefixLength].CopyTo(header[GrpcProtocol.MessageHeaderSize..]);
        return GrpcProtocol.MessageHeaderSize + prefixLength;
    }

    /// <summary>Fails the call with the status of <paramref name="error"/> and returns the exception to throw.</summary>
    internal RpcException Fail(Exception error)
    {
        if (_outcome is null)
        {
            Status status;
            Metadata? trailers = null;
            if (error is RpcException rpc)
            {
                status = rpc.Status;
                trailers = rpc.Trailers;
            }
            else if (_token.IsCancellationRequested)
            {
                status = _canceledByClient ? CancelledByClient : DeadlineExceeded;
            }
            else
            {
                status = HttpStatusMapping.FromException(error);
            }

            if (TryFinish(new CallOutcome(status, trailers ?? new Metadata())))
            {
                Abort();
            }
        }

        return error is RpcException same && same.Status == _outcome!.Status ? same : _outcome!.CreateException();
    }

    /// <summary>
    /// Fails the call after a request write failed. A server that answers before reading every request ends the
    /// response, and HttpClient then stops the request body at once: the write fails before the response's status
    /// has been read. That status, not the write failure, is the call's outcome, so it gets a moment to arrive.
    /// </summary>
    internal async Task<RpcException> FailWriteAsync(Exception error)
    {
        if (_outcome is null && !_token.IsCancellationRequested && error is not RpcException)
        {
            await WaitQuietlyAsync(_start).ConfigureAwait(false);
            if (_outcome is null)
            {
                await WaitQuietlyAsync(_singleResponse).ConfigureAwait(false);
            }
        }

        return Fail(error);
    }

    private static async Task WaitQuietlyAsync(Task? task)
    {
        if (task is null)
        {
            return;
        }

        try
        {
            await task.WaitAsync(ServerStatusGrace).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Only the outcome it records matters here; the caller reports it.
        }
    }

    private CancellationTokenRegistration RegisterClientToken(CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((GrpcCall<TRequest, TResponse>)state!).CancelByClient(), this)
            : default;

    private Task<bool> StartWithMessage(TRequest request)
    {
        byte[] frame;
        try
        {
            frame = FrameMessage(request, _options.WriteOptions);
        }
        catch (RpcException error)
        {
            return Task.FromException<bool>(Fail(error));
        }

        return StartAsync(new UnaryRequestContent(frame));
    }

    /// <summary>
    /// Sends the request and checks the response headers: true when response messages follow; false when the call
    /// is already over (trailers-only response).
    /// </summary>
    private async Task<bool> StartAsync(HttpContent content)
    {
        // Inside this async method, so that the span is Activity.Current for the HTTP request (traceparent) but not
        // for the caller once this method yields.
        _activity = GrpcDiagnostics.ActivitySource.StartActivity(_target.ActivityName, ActivityKind.Client);
        if (_activity is not null)
        {
            _activity.SetTag(GrpcDiagnostics.RpcSystem, "grpc");
            _activity.SetTag(GrpcDiagnostics.RpcService, _target.ServiceName);
            _activity.SetTag(GrpcDiagnostics.RpcMethod, _target.MethodName);
        }

        if (_options.CancellationToken.CanBeCanceled)
        {
            _userCancellation = RegisterClientToken(_options.CancellationToken);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, _target.Uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        try
        {
            AddRequestHeaders(request.Headers);
            var response = await _channel.Invoker.SendAsync(request, _token).ConfigureAwait(false);
            _response = response;
            if (CheckResponseHeaders(response) is { } outcome)
            {
                Finish(outcome);
                return false;
            }

            _readOptions = new MessageReadOptions(_channel.MaxReceiveMessageSize, GetHeader(response.Headers, GrpcProtocol.EncodingHeader));
            // The handler's response content is already a stream over the HTTP/2 stream: no need for the async overload.
            _body = new ResponseMessageReader(response.Content.ReadAsStream(_token));
            return true;
        }
        catch (Exception error)
        {
            throw Fail(error);
        }
    }

    private void AddRequestHeaders(HttpRequestHeaders headers)
    {
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.TeTrailers);
        headers.TryAddWithoutValidation("User-Agent", UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, MessageCompression.AcceptEncoding);
        if (_channel.CompressionEncoding is { } encoding)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, encoding);
        }

        if (_hasDeadline)
        {
            var timeout = _options.Deadline!.Value.ToUniversalTime() - DateTime.UtcNow;
            if (timeout <= TimeSpan.Zero)
            {
                throw new RpcException(DeadlineExceeded);
            }

            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(timeout));
            _cts.CancelAfter(timeout);
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                if (!GrpcProtocol.IsReservedHeader(entry.Key))
                {
                    headers.TryAddWithoutValidation(entry.Key, MetadataEncoding.EncodeValue(entry));
                }
            }
        }
    }

    /// <summary>The outcome when the response headers already end the call (HTTP error or trailers-only); else null.</summary>
    private static CallOutcome? CheckResponseHeaders(HttpResponseMessage response)
    {
        var hasStatus = GetHeader(response.Headers, GrpcProtocol.StatusHeader) is not null;
        if (response.StatusCode != HttpStatusCode.OK && !hasStatus)
        {
            var code = HttpStatusMapping.FromHttpStatus(response.StatusCode);
            return new CallOutcome(new Status(code, $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}."), new Metadata());
        }

        if (hasStatus)
        {
            return ReadOutcome(response.Headers);
        }

        var contentType = GetHeader(response.Content.Headers, "Content-Type");
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            return new CallOutcome(new Status(StatusCode.Internal, $"Bad gRPC response. Content-Type '{contentType}' is not application/grpc."), new Metadata());
        }

        return null;
    }

    private static CallOutcome ReadOutcome(HttpHeaders headers)
    {
        var statusText = GetHeader(headers, GrpcProtocol.StatusHeader);
        if (statusText is null)
        {
            return new CallOutcome(new Status(StatusCode.Internal, "The response ended without a grpc-status."), headers);
        }

        if (!int.TryParse(statusText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            return new CallOutcome(new Status(StatusCode.Unknown, $"Invalid grpc-status '{statusText}'."), headers);
        }

        var statusCode = code is >= 0 and <= (int)StatusCode.Unauthenticated ? (StatusCode)code : StatusCode.Unknown;
        var detail = StatusMessageEncoding.Decode(GetHeader(headers, GrpcProtocol.MessageHeader));
        return new CallOutcome(new Status(statusCode, detail), headers);
    }

    private static string? GetHeader(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;

    private async Task<TResponse> ReadSingleResponseAsync()
    {
        try
        {
            if (!await _start!.ConfigureAwait(false))
            {
                return FinishedWithoutMessage() ?? throw Fail(new RpcException(StatusCode.Internal, "The response ended without a message."));
            }

            var message = await _body!.ReadAsync(_method.ResponseParser, _readOptions, 0, _token).ConfigureAwait(false);
            if (message is null)
            {
                var empty = ReadOutcome(_response!.TrailingHeaders);
                if (empty.Status.StatusCode == StatusCode.OK)
                {
                    throw new RpcException(StatusCode.Internal, "The response ended without a message.");
                }

                Finish(empty);
                throw empty.CreateException();
            }

            if (await _body!.ReadAsync(_method.ResponseParser, _readOptions, 0, _token).ConfigureAwait(false) is not null)
            {
                throw new RpcException(StatusCode.Internal, "The response holds more than one message for a single-response method.");
            }

            var outcome = ReadOutcome(_response!.TrailingHeaders);
            Finish(outcome);
            return outcome.Status.StatusCode == StatusCode.OK ? message : throw outcome.CreateException();
        }
        catch (Exception error)
        {
            throw Fail(error);
        }
    }

    /// <summary>For a call that ended in its headers: null when it ended OK, else throws its status.</summary>
    private TResponse? FinishedWithoutMessage()
    {
        var outcome = _outcome!;
        return outcome.Status.StatusCode == StatusCode.OK ? null : throw outcome.CreateException();
    }

    private async Task<Metadata> GetResponseHeadersAsync()
    {
        try
        {
            await _start!.ConfigureAwait(false);
        }
        catch (RpcException) when (_response is not null)
        {
            // Headers arrived, then the call failed: they are still the call's response headers.
        }

        var metadata = new Metadata();
        foreach (var header in _response!.Headers.NonValidated)
        {
            MetadataEncoding.AddHeader(metadata, header.Key, header.Value);
        }

        return metadata;
    }

    private void Finish(CallOutcome outcome)
    {
        if (TryFinish(outcome) && outcome.Status.StatusCode != StatusCode.OK)
        {
            Abort();
        }
    }

    private bool TryFinish(CallOutcome outcome)
    {
        if (Interlocked.CompareExchange(ref _outcome, outcome, null) is not null)
        {
            return false;
        }

        _userCancellation.Unregister();
        _requestContent?.Abort();
        if (outcome.Status.StatusCode == StatusCode.OK)
        {
            // The body was read to its end: the stream is done and the connection keeps no state for it.
            _response?.Dispose();
            if (_hasDeadline)
            {
                _cts.Dispose();
            }
        }

        RecordTelemetry(outcome.Status);
        return true;
    }

    /// <summary>Resets the HTTP/2 stream of a call that ended early and releases the response.</summary>
    private void Abort()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call already completed and released its timer.
        }

        _response?.Dispose();
    }

    private void RecordTelemetry(Status status)
    {
        if (_activity is { } activity)
        {
            activity.SetTag(GrpcDiagnostics.RpcGrpcStatusCode, (int)status.StatusCode);
            if (status.StatusCode != StatusCode.OK)
            {
                activity.SetStatus(ActivityStatusCode.Error, status.Detail);
            }

            activity.Stop();
        }

        ClientMetrics.RecordCall(_target, status.StatusCode, _startTimestamp);
    }
}
