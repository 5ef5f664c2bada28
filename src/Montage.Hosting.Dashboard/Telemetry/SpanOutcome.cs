namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>A span's status code (OTLP Status.StatusCode).</summary>
public enum SpanOutcome
{
    Unset,
    Ok,
    Error,
}
