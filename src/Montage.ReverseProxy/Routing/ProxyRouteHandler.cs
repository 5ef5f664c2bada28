using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Montage.ReverseProxy.Forwarder;

namespace Montage.ReverseProxy.Routing;

/// <summary>The request delegate of one route: pick a destination of its cluster, forward.</summary>
internal sealed class ProxyRouteHandler(ClusterState cluster, IHttpForwarder forwarder, HttpTransformer transformer, ILogger logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        string destinationPrefix;
        try
        {
            destinationPrefix = cluster.NextDestinationPrefix();
        }
        catch (InvalidOperationException exception)
        {
            ForwarderLog.NoDestination(logger, cluster.Config.ClusterId, exception.Message);
            context.Features.Set<IForwarderErrorFeature>(new ForwarderErrorFeature(ForwarderError.NoAvailableDestinations, exception));
            await UpstreamFailureResponse.WriteAsync(context, GrpcFailure.IsGrpcRequest(context.Request), ForwarderError.NoAvailableDestinations).ConfigureAwait(false);
            return;
        }

        await forwarder.SendAsync(context, destinationPrefix, cluster.Client, cluster.RequestConfig, transformer).ConfigureAwait(false);
    }
}
