using Montage.Gateway.Auth;
using Montage.ReverseProxy.Forwarder;

namespace Montage.Gateway.Forwarding;

/// <summary>
/// The client's API key stays at the gateway (internal services never see credentials); the authenticated owner
/// travels as <c>x-montage-owner</c> metadata instead, never as the client sent it.
/// </summary>
internal sealed class OwnerForwardingTransformer : HttpTransformer
{
    public const string OwnerHeader = "x-montage-owner";

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(proxyRequest);
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        proxyRequest.Headers.Remove("Authorization");
        proxyRequest.Headers.Remove("Cookie");
        proxyRequest.Headers.Remove(OwnerHeader);
        if (httpContext.User.FindFirst(OwnerClaims.Type)?.Value is { } owner)
        {
            proxyRequest.Headers.TryAddWithoutValidation(OwnerHeader, owner);
        }
    }
}
