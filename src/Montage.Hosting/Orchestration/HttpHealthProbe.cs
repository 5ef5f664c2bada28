using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Orchestration;

internal static class HttpHealthProbe
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        ConnectTimeout = TimeSpan.FromSeconds(3),
    })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    public static async Task<bool> IsHealthyAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var check = context.Resource.Annotations.OfType<HttpHealthCheckAnnotation>().LastOrDefault();
        if (check is null)
        {
            return true;
        }

        var endpoint = context.Resource.Annotations.OfType<EndpointAnnotation>().First(e => e.Name == check.EndpointName);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{context.Port(check.EndpointName)}{check.Path}");
        if (endpoint.Protocol == EndpointProtocol.Http2)
        {
            // Cleartext HTTP/2 endpoints accept only prior-knowledge h2c.
            request.Version = System.Net.HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        try
        {
            using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
