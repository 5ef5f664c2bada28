namespace Montage.Hosting.Testing;

/// <summary>
/// Starts an application model from a test: free ports for every endpoint (fixed ports ignored), an isolated temporary
/// data directory deleted on dispose, no dashboard. Every process it starts dies with the test process, even on SIGKILL.
/// </summary>
public static class DistributedApplicationTestingBuilder
{
    /// <summary>A builder with test settings; add resources, then <c>Build()</c> and <c>StartAsync()</c>.</summary>
    public static IDistributedApplicationBuilder Create(Action<DistributedApplicationOptions>? configure = null)
    {
        var options = new DistributedApplicationOptions
        {
            Args = [],
            DataDirectory = NewDataDirectory(),
            AppHostDirectory = RepositoryLayout.AppHostDirectory() ?? Directory.GetCurrentDirectory(),
            DisableDashboard = true,
            RandomizePorts = true,
            ConsoleLogging = false,
            DeleteDataDirectoryOnDispose = true,
        };
        configure?.Invoke(options);
        return DistributedApplication.CreateBuilder(options);
    }

    /// <summary>Builds the model and starts it; the returned application stops and cleans up everything on dispose.</summary>
    public static async Task<DistributedApplication> CreateAsync(
        Action<IDistributedApplicationBuilder> model, Action<DistributedApplicationOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var builder = Create(configure);
        model(builder);
        var app = builder.Build();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return app;
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Short, because Postgres puts its unix socket in the data directory and socket paths are limited to 107 bytes.</summary>
    private static string NewDataDirectory() =>
        Path.Combine(Path.GetTempPath(), "montage-test-" + Guid.NewGuid().ToString("N")[..10]);
}
