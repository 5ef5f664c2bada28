using Microsoft.AspNetCore.Http;
using Montage.ReverseProxy.Configuration;

namespace Montage.ReverseProxy.Forwarder;

/// <summary>Forwards one request to a destination and its response back, as YARP's interface of the same name.</summary>
public interface IHttpForwarder
{
    /// <summary>
    /// Sends the request to <paramref name="destinationPrefix"/> (scheme, host, port and an optional path prefix) and
    /// copies the response back, streaming both bodies concurrently and keeping trailers. A failure is answered
    /// (gRPC-correctly for gRPC calls), recorded as <see cref="IForwarderErrorFeature"/> and returned.
    /// </summary>
    ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer);
}
