using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Montage.ReverseProxy.Configuration;
using Montage.ReverseProxy.Forwarder;
using Montage.ReverseProxy.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>As YARP's <c>MapReverseProxy()</c>.</summary>
public static class ReverseProxyEndpointRouteBuilderExtensions
{
    /// <summary>YARP's reserved policy names.</summary>
    private const string DefaultPolicy = "default";
    private const string AnonymousPolicy = "anonymous";

    /// <summary>
    /// Maps one endpoint per configured route (its path template, methods, hosts, order and authorization policy).
    /// The configuration is validated here: an invalid one fails at startup, naming what to fix.
    /// </summary>
    public static IEndpointConventionBuilder MapReverseProxy(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var runtime = services.GetService<ProxyRuntime>()
            ?? throw new InvalidOperationException("Call services.AddReverseProxy() before MapReverseProxy().");
        var forwarder = services.GetRequiredService<IHttpForwarder>();
        var transformer = services.GetRequiredService<HttpTransformer>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Montage.ReverseProxy");

        var builders = new List<IEndpointConventionBuilder>();
        foreach (var route in runtime.Config.Routes)
        {
            var handler = new ProxyRouteHandler(runtime.Cluster(route.ClusterId!), forwarder, transformer, logger);
            var endpoint = route.Match.Methods is { Count: > 0 } methods
                ? endpoints.MapMethods(route.Match.Path!, methods, handler.InvokeAsync)
                : endpoints.Map(route.Match.Path!, handler.InvokeAsync);
            endpoint.WithDisplayName("ReverseProxy route " + route.RouteId).WithMetadata(new ReverseProxyRouteMetadata(route));
            if (route.Order is { } order)
            {
                endpoint.Add(b => ((RouteEndpointBuilder)b).Order = order);
            }

            if (route.Match.Hosts is { Count: > 0 } hosts)
            {
                endpoint.RequireHost([.. hosts]);
            }

            ApplyAuthorization(endpoint, route.AuthorizationPolicy);
            builders.Add(endpoint);
        }

        return new CompositeConventionBuilder(builders);
    }

    private static void ApplyAuthorization(IEndpointConventionBuilder endpoint, string? policy)
    {
        if (string.IsNullOrEmpty(policy))
        {
            return;
        }

        if (string.Equals(policy, AnonymousPolicy, StringComparison.OrdinalIgnoreCase))
        {
            endpoint.AllowAnonymous();
        }
        else if (string.Equals(policy, DefaultPolicy, StringComparison.OrdinalIgnoreCase))
        {
            endpoint.RequireAuthorization();
        }
        else
        {
            endpoint.RequireAuthorization(policy);
        }
    }

    private sealed class CompositeConventionBuilder(List<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}

/// <summary>Endpoint metadata naming the proxy route an endpoint belongs to.</summary>
public sealed record ReverseProxyRouteMetadata(RouteConfig Route);
