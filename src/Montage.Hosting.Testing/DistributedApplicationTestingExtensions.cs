using System.Net;
using System.Text;
using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Testing;

/// <summary>What tests do with a running application: reach resources, wait for health, inject faults, read logs.</summary>
public static class DistributedApplicationTestingExtensions
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <summary>An HttpClient whose base address is the endpoint; HTTP/2 prior knowledge for an h2c endpoint.</summary>
    public static HttpClient CreateHttpClient(this DistributedApplication app, string resourceName, string endpointName = "http", int replica = 0)
    {
        var endpoint = app.GetResource(resourceName).Annotations.OfType<EndpointAnnotation>().FirstOrDefault(e => e.Name == endpointName)
            ?? throw new ArgumentException($"Resource '{resourceName}' has no endpoint '{endpointName}'.", nameof(endpointName));
        var client = new HttpClient { BaseAddress = app.GetEndpoint(resourceName, endpointName, replica) };
        if (endpoint.Protocol == EndpointProtocol.Http2)
        {
            client.DefaultRequestVersion = HttpVersion.Version20;
            client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        return client;
    }

    public static Task<string> GetConnectionStringAsync(this DistributedApplication app, string resourceName) =>
        Task.FromResult(app.GetConnectionString(resourceName));

    /// <summary>Waits until the resource is healthy; on timeout the exception carries its state and last log lines.</summary>
    public static async Task<ResourceStatus> WaitForHealthyAsync(this DistributedApplication app, string resourceName, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await app.ResourceNotifications.WaitForResourceHealthyAsync(resourceName, cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"'{resourceName}' was not healthy within {timeout ?? DefaultTimeout}. {Describe(app, resourceName)}");
        }
    }

    /// <summary>Waits until the resource's snapshot satisfies <paramref name="predicate"/>.</summary>
    public static async Task<ResourceStatus> WaitForAsync(
        this DistributedApplication app, string resourceName, Func<ResourceStatus, bool> predicate, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await app.ResourceNotifications.WaitForResourceAsync(resourceName, predicate, cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"'{resourceName}' did not reach the expected state within {timeout ?? DefaultTimeout}. {Describe(app, resourceName)}");
        }
    }

    public static Task WaitForAllHealthyAsync(this DistributedApplication app, TimeSpan? timeout = null) =>
        Task.WhenAll(app.Resources.Select(r => app.WaitForHealthyAsync(r.Name, timeout)));

    /// <summary>SIGKILL the resource's processes (as a crash) and wait until they are gone. Returns the killed process ids.</summary>
    public static async Task<IReadOnlyList<int>> KillAsync(this DistributedApplication app, string resourceName, int? replica = null)
    {
        var pids = app.GetProcessIds(resourceName);
        app.KillResource(resourceName, replica);
        var killed = replica is { } index ? [.. pids.Skip(index).Take(1)] : pids;
        using var cancellation = new CancellationTokenSource(DefaultTimeout);
        while (killed.Any(pid => Directory.Exists($"/proc/{pid}") && !IsZombie(pid)))
        {
            await Task.Delay(50, cancellation.Token).ConfigureAwait(false);
        }

        return killed;
    }

    public static Task RestartAsync(this DistributedApplication app, string resourceName) => app.RestartResourceAsync(resourceName);

    public static IReadOnlyList<LogLine> GetLogs(this DistributedApplication app, string resourceName) => app.ResourceLogs.GetLines(resourceName);

    public static string GetLogText(this DistributedApplication app, string resourceName) =>
        string.Join('\n', app.ResourceLogs.GetLines(resourceName).Select(l => l.Text));

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static string Describe(DistributedApplication app, string resourceName)
    {
        var snapshot = app.ResourceNotifications.TryGetSnapshot(resourceName);
        var text = new StringBuilder($"State: {snapshot?.State.ToString() ?? "unknown"} {snapshot?.Message}. Last log lines:");
        foreach (var line in app.ResourceLogs.GetLines(resourceName).TakeLast(15))
        {
            text.Append('\n').Append(line.Text);
        }

        return text.ToString();
    }
}
