using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Fal;

public static class FalServiceCollectionExtensions
{
    /// <summary>True when a fal.ai key is configured (FAL_KEY, or FAL_KEY_ID and FAL_KEY_SECRET).</summary>
    public static bool HasFalCredentials(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return ReadKey(configuration) is not null || !string.IsNullOrWhiteSpace(configuration[$"{FalOptions.SectionName}:Key"]);
    }

    /// <summary>
    /// Registers the fal.ai provider as <see cref="IGenerationProvider"/> "fal" (and <see cref="FalProvider"/>), its options
    /// validated at start-up: a missing key fails fast. Call it only when <see cref="HasFalCredentials"/> is true.
    /// </summary>
    public static IServiceCollection AddFalProvider(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<FalOptions>()
            .Bind(configuration.GetSection(FalOptions.SectionName))
            .PostConfigure(options => options.Key ??= ReadKey(configuration))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<FalOptions>, FalOptionsValidator>();
        services.AddHttpClient(FalProvider.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<FalJwksCache>();
        services.AddSingleton<FalWebhookVerifier>();
        services.AddSingleton<FalProvider>();
        services.AddSingleton<IGenerationProvider>(sp => sp.GetRequiredService<FalProvider>());
        services.AddProviderRegistry();
        return services;
    }

    private static string? ReadKey(IConfiguration configuration)
    {
        var key = configuration["FAL_KEY"];
        if (!string.IsNullOrWhiteSpace(key))
        {
            return key.Trim();
        }

        var id = configuration["FAL_KEY_ID"];
        var secret = configuration["FAL_KEY_SECRET"];
        return string.IsNullOrWhiteSpace(id) || string.IsNullOrWhiteSpace(secret) ? null : $"{id.Trim()}:{secret.Trim()}";
    }
}
