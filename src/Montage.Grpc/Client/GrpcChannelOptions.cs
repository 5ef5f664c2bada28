namespace Montage.Grpc.Client;

/// <summary>How a <see cref="GrpcChannel"/> connects and what it allows on its calls.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>
    /// The handler to send requests with. Null (the default): the channel creates one <see cref="SocketsHttpHandler"/>
    /// configured from the settings below. A given handler must speak HTTP/2 (and h2c for http:// addresses).
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Whether disposing the channel disposes <see cref="HttpHandler"/> (a created handler is always disposed).</summary>
    public bool DisposeHttpHandler { get; set; }

    /// <summary>Largest message the client accepts; larger ones fail the call with RESOURCE_EXHAUSTED. Null: no limit.</summary>
    public int? MaxReceiveMessageSize { get; set; } = Protocol.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest message the client sends; larger ones fail the call with RESOURCE_EXHAUSTED before sending. Null: no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Compresses request messages with this encoding (only "gzip" is supported). Null: uncompressed.</summary>
    public string? CompressionEncoding { get; set; }

    /// <summary>
    /// Maps the channel address to the address to connect to, e.g. a service-discovery name
    /// (<c>http://_grpc.jobs</c>) to an endpoint. Services pass ServiceDefaults' <c>IServiceEndpointResolver.Resolve</c>.
    /// Called for every call, so that a service that moved is found again; the result should be cheap to compute.
    /// </summary>
    public Func<Uri, Uri>? AddressResolver { get; set; }

    /// <summary>
    /// Idle time after which an HTTP/2 ping checks the connection (keeps long streams alive through idle-killing
    /// middleboxes and detects dead peers). <see cref="Timeout.InfiniteTimeSpan"/> disables pings.
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a ping may go unanswered before the connection is closed and its calls fail with UNAVAILABLE.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Whether pings are sent on connections without calls in flight.</summary>
    public HttpKeepAlivePingPolicy KeepAlivePingPolicy { get; set; } = HttpKeepAlivePingPolicy.WithActiveRequests;

    /// <summary>How long an unused connection stays open.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long opening a connection may take before the call fails with UNAVAILABLE.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The HTTP/2 receive window each call starts with. SocketsHttpHandler's default (64 KiB, grown by its RTT
    /// estimate, which on a fast link grows slowly) holds a server streaming 1 MiB messages to a fraction of the link;
    /// one default-size message (4 MiB) lets a whole message arrive without waiting for a WINDOW_UPDATE.
    /// </summary>
    public int InitialHttp2StreamWindowSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Opens extra HTTP/2 connections when the server's concurrent-stream limit is reached.</summary>
    public bool EnableMultipleHttp2Connections { get; set; } = true;
}
