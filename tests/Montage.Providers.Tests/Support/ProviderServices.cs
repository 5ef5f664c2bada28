using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Montage.Providers.Tests.Support;

/// <summary>Builds the real DI registration of a provider from in-memory configuration, as a service would.</summary>
public static class ProviderServices
{
    public static ServiceProvider Build(IDictionary<string, string?> settings, Action<IServiceCollection, IConfiguration> register)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        register(services, configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>Fast backoff so fault tests finish quickly; attempt timeout generous for a loaded machine.</summary>
    public static void AddFastRetry(IDictionary<string, string?> settings, string section)
    {
        settings[$"{section}:Retry:MaxRetries"] = "4";
        settings[$"{section}:Retry:BaseDelay"] = "00:00:00.050";
        settings[$"{section}:Retry:MaxDelay"] = "00:00:00.500";
        settings[$"{section}:Retry:MaxRetryAfter"] = "00:00:02";
        settings[$"{section}:Retry:AttemptTimeout"] = "00:00:10";
    }
}
