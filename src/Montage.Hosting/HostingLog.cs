using Microsoft.Extensions.Logging;
using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting;

internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Resource}: {State}{Detail}")]
    public static partial void StateChanged(ILogger logger, string resource, KnownResourceState state, string detail);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Resource}: exited with code {ExitCode}; restarting in {Delay}")]
    public static partial void RestartScheduled(ILogger logger, string resource, int exitCode, TimeSpan delay);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "{Resource}: failed to start: {Reason}")]
    public static partial void FailedToStart(ILogger logger, string resource, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Stopping {Count} resources")]
    public static partial void Stopping(ILogger logger, int count);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "All {Count} resources are healthy ({Elapsed:F1} s). Data directory: {DataDirectory}")]
    public static partial void AllHealthy(ILogger logger, int count, double elapsed, string dataDirectory);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "{Resource}: database creation failed, retrying: {Reason}")]
    public static partial void DatabaseRetry(ILogger logger, string resource, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Published the {Format} manifests to {Output}")]
    public static partial void Published(ILogger logger, string format, string output);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "{Resource}: not published ({Reason})")]
    public static partial void NotPublished(ILogger logger, string resource, string reason);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "The dashboard did not start: {Reason}")]
    public static partial void DashboardFailed(ILogger logger, string reason);
}
