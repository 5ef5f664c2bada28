using Microsoft.Extensions.Logging;

namespace Montage.ServiceDefaults.Resilience;

internal static partial class ResilienceLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning,
        Message = "HTTP client {ClientName}: retrying {Method} to {Authority}, attempt {Attempt} in {DelayMs} ms after {Outcome}")]
    public static partial void Retrying(ILogger logger, string clientName, string method, string authority, int attempt, double delayMs, string outcome);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error,
        Message = "HTTP client {ClientName}: circuit opened for {BreakMs} ms after {Outcome}")]
    public static partial void CircuitOpened(ILogger logger, string clientName, double breakMs, string outcome);
}
