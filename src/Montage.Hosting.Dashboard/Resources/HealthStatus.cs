namespace Montage.Hosting.Dashboard;

/// <summary>Result of the resource's health checks; <see cref="Unknown"/> while none has run or none is defined.</summary>
public enum HealthStatus
{
    Unknown,
    Healthy,
    Unhealthy,
}
