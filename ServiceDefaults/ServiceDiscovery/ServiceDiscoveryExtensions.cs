using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Montage.ServiceDefaults.ServiceDiscovery;

namespace Microsoft.Extensions.DependencyInjection;

public static class ServiceDiscoveryExtensions
{
    /// <summary>Registers <see cref="IServiceEndpointResolver"/> over configuration.</summary>
    public static IServiceCollection AddServiceDiscovery(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IServiceEndpointResolver, ConfigurationServiceEndpointResolver>();
        return services;
    }

    /// <summary>Resolves the client's logical addresses (<c>http://jobs</c>, <c>http://_grpc.jobs</c>) on every request.</summary>
    public static IHttpClientBuilder AddServiceDiscovery(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddServiceDiscovery();

        // Through HttpClientFactoryOptions rather than AddHttpMessageHandler so that adding it to
        // the defaults and again to one client does not resolve twice.
        builder.Services.Configure<HttpClientFactoryOptions>(builder.Name, options =>
            options.HttpMessageHandlerBuilderActions.Add(handlers =>
            {
                if (!handlers.AdditionalHandlers.OfType<ServiceDiscoveryHandler>().Any())
                {
                    handlers.AdditionalHandlers.Add(new ServiceDiscoveryHandler(handlers.Services.GetRequiredService<IServiceEndpointResolver>()));
                }
            }));
        return builder;
    }
}
