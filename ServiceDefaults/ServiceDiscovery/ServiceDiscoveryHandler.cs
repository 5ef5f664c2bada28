namespace Montage.ServiceDefaults.ServiceDiscovery;

/// <summary>Rewrites each request's logical address to a concrete endpoint before it is sent.</summary>
public sealed class ServiceDiscoveryHandler(IServiceEndpointResolver resolver) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is { IsAbsoluteUri: true } uri)
        {
            request.RequestUri = resolver.Resolve(uri);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
