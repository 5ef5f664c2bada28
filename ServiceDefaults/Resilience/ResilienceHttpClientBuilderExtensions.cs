using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Montage.ServiceDefaults.Resilience;

namespace Microsoft.Extensions.DependencyInjection;

public static class ResilienceHttpClientBuilderExtensions
{
    /// <summary>
    /// Adds the standard pipeline (total timeout, retry, circuit breaker, attempt timeout) to the
    /// client, or to every client when called inside ConfigureHttpClientDefaults. Calling it again
    /// for one named client refines that client's options; the handler is added only once.
    /// </summary>
    public static IHttpClientBuilder AddStandardResilienceHandler(this IHttpClientBuilder builder, Action<HttpStandardResilienceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<HttpResiliencePipelineFactory>();
        var options = builder.Services.AddOptions<HttpStandardResilienceOptions>(builder.Name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.Configure<HttpClientFactoryOptions>(builder.Name, factoryOptions =>
            factoryOptions.HttpMessageHandlerBuilderActions.Add(handlers =>
            {
                if (!handlers.AdditionalHandlers.OfType<ResilienceHandler>().Any())
                {
                    var pipelines = handlers.Services.GetRequiredService<HttpResiliencePipelineFactory>();
                    handlers.AdditionalHandlers.Insert(0, new ResilienceHandler(pipelines.GetPipeline(handlers.Name ?? string.Empty)));
                }
            }));
        return builder;
    }

    /// <summary>
    /// Takes the resilience handler off this client (e.g. one that streams or long-polls and
    /// manages its own deadlines), including the one the service defaults add to every client.
    /// </summary>
    public static IHttpClientBuilder RemoveAllResilienceHandlers(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<HttpClientFactoryOptions>(builder.Name, factoryOptions =>
            factoryOptions.HttpMessageHandlerBuilderActions.Add(handlers =>
            {
                foreach (var handler in handlers.AdditionalHandlers.OfType<ResilienceHandler>().ToList())
                {
                    handlers.AdditionalHandlers.Remove(handler);
                }
            }));
        return builder;
    }
}
