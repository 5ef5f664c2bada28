namespace Montage.Gateway.Auth;

/// <summary>The API key store and the listener that keeps its cache in step with revocations on other instances.</summary>
internal static class ApiKeyServiceCollectionExtensions
{
    public static IServiceCollection AddApiKeyStore(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeyStore>();
        services.AddHostedService<ApiKeyRevocationListener>();
        return services;
    }
}
