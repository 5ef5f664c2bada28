using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Montage.ServiceDefaults;

/// <summary>
/// A connection string read from <c>ConnectionStrings:&lt;name&gt;</c>, named options per
/// connection, validated when the host starts so a missing one stops the service at once with a
/// message that names the key, instead of failing at the first request.
/// </summary>
public sealed class ConnectionStringSettings
{
    public string? ConnectionString { get; set; }

    internal static OptionsBuilder<ConnectionStringSettings> Register(IServiceCollection services, string connectionName, string resourceKind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);
        return services.AddOptions<ConnectionStringSettings>(connectionName)
            .Configure<IConfiguration>((settings, configuration) => settings.ConnectionString = configuration.GetConnectionString(connectionName))
            .Validate(
                settings => !string.IsNullOrWhiteSpace(settings.ConnectionString),
                $"The {resourceKind} connection string '{connectionName}' is missing: set configuration key 'ConnectionStrings:{connectionName}' " +
                $"(environment variable 'ConnectionStrings__{connectionName}').")
            .ValidateOnStart();
    }

    internal static string Get(IServiceProvider services, string connectionName) =>
        services.GetRequiredService<IOptionsMonitor<ConnectionStringSettings>>().Get(connectionName).ConnectionString!;
}
