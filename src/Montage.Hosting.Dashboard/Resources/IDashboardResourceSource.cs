namespace Montage.Hosting.Dashboard;

/// <summary>
/// What the dashboard needs from the AppHost engine. Implemented by the engine; every member may be called
/// concurrently from request threads.
/// </summary>
public interface IDashboardResourceSource
{
    /// <summary>The current snapshot of every resource, in display order.</summary>
    IReadOnlyList<ResourceSnapshot> GetResources();

    /// <summary>
    /// Every snapshot published after the call began, until <paramref name="cancellationToken"/> is cancelled.
    /// The dashboard calls <see cref="GetResources"/> after subscribing, so a change racing the subscription
    /// may be seen twice but is never missed. A slow reader may be given only the newest snapshot per resource.
    /// </summary>
    IAsyncEnumerable<ResourceSnapshot> WatchResourcesAsync(CancellationToken cancellationToken);

    /// <summary>The retained console lines of a resource, oldest first; empty for an unknown resource.</summary>
    IReadOnlyList<ConsoleLine> GetConsoleLogs(string resourceName);

    /// <summary>
    /// Console lines of a resource written after the call began, until cancelled. The dashboard subscribes,
    /// then reads the backlog, and drops lines whose <see cref="ConsoleLine.Sequence"/> it has already shown.
    /// </summary>
    IAsyncEnumerable<ConsoleLine> WatchConsoleLogsAsync(string resourceName, CancellationToken cancellationToken);

    /// <summary>
    /// Performs a command. Returns when the engine has accepted it (not necessarily when the process has
    /// stopped or started: the resulting states arrive as snapshots).
    /// Throws <see cref="KeyNotFoundException"/> for an unknown resource and <see cref="InvalidOperationException"/>
    /// for a command that does not apply (for example Start on a database); the dashboard answers 404 / 409.
    /// </summary>
    Task ExecuteCommandAsync(string resourceName, ResourceCommand command, CancellationToken cancellationToken);
}
