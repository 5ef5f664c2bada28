using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Montage.ReverseProxy;
using Montage.ReverseProxy.Configuration;
using Montage.ReverseProxy.Forwarder;
using Montage.ReverseProxy.Routing;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>As YARP's <c>AddReverseProxy()</c>.</summary>
public static class ReverseProxyServiceCollectionExtensions
{
    /// <summary>The forwarder and route runtime; add routes with <c>LoadFromConfig</c> or <c>LoadFromMemory</c>.</summary>
    public static IReverseProxyBuilder AddReverseProxy(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddRouting();
        services.TryAddSingleton<IHttpForwarder, HttpForwarder>();
        services.TryAddSingleton<IForwarderHttpClientFactory, ForwarderHttpClientFactory>();
        services.TryAddSingleton(HttpTransformer.Default);
        services.TryAddSingleton<ProxyRuntime>();
        return new ReverseProxyBuilder(services);
    }

    /// <summary>Routes and clusters from <paramref name="config"/> (YARP's shape, usually the "ReverseProxy" section).</summary>
    public static IReverseProxyBuilder LoadFromConfig(this IReverseProxyBuilder builder, IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(config);
        builder.Services.AddSingleton<IProxyConfigProvider>(new ConfigurationConfigProvider(config));
        return builder;
    }

    /// <summary>Routes and clusters given in code.</summary>
    public static IReverseProxyBuilder LoadFromMemory(this IReverseProxyBuilder builder, IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IProxyConfigProvider>(new InMemoryConfigProvider(routes, clusters));
        return builder;
    }

    /// <summary>Every route forwards through <typeparamref name="TTransformer"/> instead of the default copy-everything one.</summary>
    public static IReverseProxyBuilder AddTransformer<TTransformer>(this IReverseProxyBuilder builder)
        where TTransformer : HttpTransformer
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<HttpTransformer>();
        builder.Services.AddSingleton<HttpTransformer, TTransformer>();
        return builder;
    }

    private sealed class ReverseProxyBuilder(IServiceCollection services) : IReverseProxyBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
