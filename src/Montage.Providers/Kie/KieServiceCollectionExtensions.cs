using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Kie;

public static class KieServiceCollectionExtensions
{
    /// <summary>True when <c>KIE_API_KEY</c> (or <c>Providers:Kie:ApiKey</c>) is configured.</summary>
    public static bool HasKieCredentials(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration["KIE_API_KEY"]) || !string.IsNullOrWhiteSpace(configuration[$"{KieOptions.SectionName}:ApiKey"]);
    }

    /// <summary>
    /// Registers the KIE.ai provider as <see cref="IGenerationProvider"/> "kie" (and <see cref="KieProvider"/>), its options
    /// validated at start-up: a missing key fails fast. Call it only when <see cref="HasKieCredentials"/> is true.
    /// </summary>
    public static IServiceCollection AddKieProvider(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<KieOptions>()
            .Bind(configuration.GetSection(KieOptions.SectionName))
            .PostConfigure(options =>
            {
                if (string.IsNullOrWhiteSpace(options.ApiKey) && configuration["KIE_API_KEY"] is { } key && !string.IsNullOrWhiteSpace(key))
                {
                    options.ApiKey = key.Trim();
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<KieOptions>, KieOptionsValidator>();
        services.AddHttpClient(KieProvider.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<KieProvider>();
        services.AddSingleton<IGenerationProvider>(sp => sp.GetRequiredService<KieProvider>());
        services.AddProviderRegistry();
        return services;
    }
}
