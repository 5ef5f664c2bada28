namespace Montage.Hosting.Dashboard;

/// <summary>An action the dashboard user asks the AppHost engine to perform on a resource.</summary>
public enum ResourceCommand
{
    Stop,
    Start,
    Restart,
}
