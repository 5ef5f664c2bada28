using Microsoft.Extensions.Options;

namespace Montage.Gateway.Auth;

/// <summary>Stores the configured development key at start, so <c>./run.sh</c> can print a key that works at once.</summary>
internal sealed partial class DevKeySeeder(ApiKeyStore store, IOptions<GatewayOptions> options, ILogger<DevKeySeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.DevKey))
        {
            return;
        }

        var record = await store.EnsureAsync(settings.DevKey, settings.DevOwner, "development key", cancellationToken).ConfigureAwait(false);
        LogSeeded(logger, record.Label, record.Owner);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Development API key {Label}... is ready for owner {Owner}.")]
    private static partial void LogSeeded(ILogger logger, string label, string owner);
}
