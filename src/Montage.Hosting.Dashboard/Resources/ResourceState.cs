namespace Montage.Hosting.Dashboard;

/// <summary>Lifecycle state of a resource, as the AppHost engine knows it.</summary>
public enum ResourceState
{
    NotStarted,
    Starting,
    Running,
    Healthy,
    Unhealthy,
    Exited,
    Restarting,
    FailedToStart,
    Stopped,
}
