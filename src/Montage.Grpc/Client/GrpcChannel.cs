using System.Collections.Concurrent;
using Montage.Grpc.Protocol;

namespace Montage.Grpc.Client;

/// <summary>
/// A connection to one gRPC server address: one <see cref="SocketsHttpHandler"/> speaking HTTP/2 (h2c prior knowledge
/// for http://), opening extra connections when the server's stream limit is reached and pinging idle connections.
/// Create one per address and share it; calls start through <see cref="CreateCallInvoker"/>.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly bool _disposeHandler;
    private readonly Func<Uri, Uri>? _addressResolver;
    private readonly CallInvoker _callInvoker;
    private TargetCache _targets;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"A gRPC address is http:// or https://, not '{address}'.", nameof(address));
        }

        if (options.CompressionEncoding is { } encoding && !MessageCompression.IsSupported(encoding))
        {
            throw new ArgumentException($"Compression '{encoding}' is not supported; use '{MessageCompression.Gzip}'.", nameof(options));
        }

        Address = address;
        MaxReceiveMessageSize = options.MaxReceiveMessageSize ?? int.MaxValue;
        MaxSendMessageSize = options.MaxSendMessageSize;
        CompressionEncoding = options.CompressionEncoding is { } e && !e.Equals(GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase) ? e.ToLowerInvariant() : null;
        _addressResolver = options.AddressResolver;
        _disposeHandler = options.HttpHandler is null || options.DisposeHttpHandler;
        Invoker = new HttpMessageInvoker(options.HttpHandler ?? CreateHandler(options), _disposeHandler);
        _targets = new TargetCache(_addressResolver is null ? address : _addressResolver(address));
        _callInvoker = new HttpClientCallInvoker(this);
    }

    /// <summary>The address given to <see cref="ForAddress(Uri, GrpcChannelOptions?)"/> (before any resolution).</summary>
    public Uri Address { get; }

    internal HttpMessageInvoker Invoker { get; }

    internal int MaxReceiveMessageSize { get; }

    internal int? MaxSendMessageSize { get; }

    internal string? CompressionEncoding { get; }

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) => ForAddress(new Uri(address), options);

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new GrpcChannel(address, options ?? new GrpcChannelOptions());
    }

    /// <summary>The channel's call invoker (one per channel; cheap to call).</summary>
    public CallInvoker CreateCallInvoker() => _callInvoker;

    public void Dispose() => Invoker.Dispose();

    internal CallTarget GetTarget(object method, string serviceName, string methodName, string fullName)
    {
        var targets = _targets;
        if (_addressResolver is not null)
        {
            var resolved = _addressResolver(Address);
            if (!resolved.Equals(targets.BaseAddress))
            {
                targets = new TargetCache(resolved);
                _targets = targets;
            }
        }

        return targets.Targets.TryGetValue(method, out var target)
            ? target
            : targets.Targets.GetOrAdd(method, new CallTarget(targets.CreateUri(fullName), serviceName, methodName));
    }

    private static SocketsHttpHandler CreateHandler(GrpcChannelOptions options) => new()
    {
        EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
        KeepAlivePingDelay = options.KeepAlivePingDelay,
        KeepAlivePingTimeout = options.KeepAlivePingTimeout,
        KeepAlivePingPolicy = options.KeepAlivePingPolicy,
        PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
        ConnectTimeout = options.ConnectTimeout,
        InitialHttp2StreamWindowSize = options.InitialHttp2StreamWindowSize,

        // gRPC decides these itself: no proxy from the environment, no redirects, no cookies, no HTTP decompression.
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    };

    /// <summary>Request URIs per method for one resolved base address; replaced when the resolver answers differently.</summary>
    private sealed class TargetCache(Uri baseAddress)
    {
        private readonly string _prefix = baseAddress.GetLeftPart(UriPartial.Path).TrimEnd('/');

        public Uri BaseAddress { get; } = baseAddress;

        public ConcurrentDictionary<object, CallTarget> Targets { get; } = new(ReferenceEqualityComparer.Instance);

        public Uri CreateUri(string fullName) => new(_prefix + fullName);
    }
}
