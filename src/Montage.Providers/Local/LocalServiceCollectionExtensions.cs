using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Local;

public static class LocalServiceCollectionExtensions
{
    public const string HttpClientName = "Montage.LocalProvider";

    /// <summary>
    /// Registers the local FFmpeg engine and the local provider as <see cref="IGenerationProvider"/> "local"; it needs no key,
    /// so it is always available. Settings come from <see cref="LocalEngineOptions.SectionName"/> and <see cref="LocalProviderOptions.SectionName"/>.
    /// </summary>
    public static IServiceCollection AddLocalProvider(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var engineOptions = configuration.GetSection(LocalEngineOptions.SectionName).Get<LocalEngineOptions>() ?? new LocalEngineOptions();
        var providerOptions = configuration.GetSection(LocalProviderOptions.SectionName).Get<LocalProviderOptions>() ?? new LocalProviderOptions();
        services.AddSingleton(engineOptions);
        services.AddSingleton(providerOptions);
        services.AddHttpClient(HttpClientName);
        services.AddSingleton(sp => new LocalEngine(sp.GetRequiredService<LocalEngineOptions>(), sp.GetService<ILoggerFactory>()));
        services.AddSingleton(sp => new LocalProvider(
            sp.GetRequiredService<LocalEngine>(),
            sp.GetRequiredService<LocalProviderOptions>(),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
            sp.GetService<ILogger<LocalProvider>>()));
        services.AddSingleton<IGenerationProvider>(sp => sp.GetRequiredService<LocalProvider>());
        services.AddProviderRegistry();
        return services;
    }
}
