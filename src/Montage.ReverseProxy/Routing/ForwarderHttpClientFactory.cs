using System.Net;

namespace Montage.ReverseProxy.Routing;

/// <summary>
/// The upstream connection pool of a cluster, configured for proxying as YARP's factory: no proxy from the
/// environment, no redirects, no cookies, no decompression (bodies pass through untouched), several HTTP/2
/// connections when one is full, pings to keep quiet streams alive.
/// </summary>
public interface IForwarderHttpClientFactory
{
    HttpMessageInvoker CreateClient(string clusterId);
}

internal sealed class ForwarderHttpClientFactory : IForwarderHttpClientFactory
{
    public HttpMessageInvoker CreateClient(string clusterId) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        KeepAlivePingDelay = TimeSpan.FromSeconds(60),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
    }, disposeHandler: true);
}
