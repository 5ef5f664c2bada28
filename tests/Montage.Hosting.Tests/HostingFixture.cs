using System.Collections.Concurrent;
using Montage.Hosting.ApplicationModel;
using Montage.Hosting.Testing;
using Montage.Hosting.Tests.Support;

namespace Montage.Hosting.Tests;

/// <summary>
/// One started model shared by the functional tests: real Postgres (with a database) and Redis, a replicated Python
/// web server, a web server wired to all of them, a Kestrel service run with AddProject, a process that keeps
/// crashing, and resources reserved for the kill and stop tests. Every state change is recorded from the start.
/// </summary>
public sealed class HostingFixture : IAsyncLifetime
{
    public const string KieKeyFromEnvironment = "kie-key-from-the-apphost-environment";
    public const string FalKeyFromConfiguration = "fal-key-from-configuration";

    private readonly CancellationTokenSource _recording = new();
    private Task _recorder = Task.CompletedTask;

    public DistributedApplication App { get; private set; } = null!;

    public ConcurrentQueue<ResourceStatus> History { get; } = new();

    public async Task InitializeAsync()
    {
        // Inherited by every child process unless the AppHost strips it: only WithProviderSettings() may pass it on.
        Environment.SetEnvironmentVariable("KIE_API_KEY", KieKeyFromEnvironment);
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.Configuration["FAL_KEY"] = FalKeyFromConfiguration;
        builder.Configuration["Providers:Fal:BaseUrl"] = "http://fal.invalid";

        var postgres = builder.AddPostgres("postgres");
        var jobs = postgres.AddDatabase("jobs");
        var redis = builder.AddRedis("redis");
        var backend = PythonServer(builder, "backend").WithReplicas(2);
        PythonServer(builder, "web")
            .WithReference(jobs).WithReference(redis).WithReference(backend)
            .WaitFor(jobs).WaitFor(redis).WaitFor(backend)
            .WithEnvironment("GREETING", "hello")
            .WithProviderSettings();
        builder.AddProject("service", TestPaths.TestServiceProject)
            .WithHttpEndpoint(port: 8080, name: "http")
            .WithHttpHealthCheck("/health")
            .WithReference(jobs)
            .WaitFor(jobs);
        builder.AddExecutable("crasher", TestPaths.Python, TestPaths.TestApps, "crash.py");
        PythonServer(builder, "victim");
        PythonServer(builder, "stoppable");

        App = builder.Build();
        var recording = App.ResourceNotifications.WatchAsync(_recording.Token);
        _recorder = Task.Run(async () =>
        {
            try
            {
                await foreach (var snapshot in recording)
                {
                    History.Enqueue(snapshot);
                }
            }
            catch (OperationCanceledException)
            {
                // Test run over.
            }
        });
        await App.StartAsync();
        foreach (var name in new[] { "postgres", "jobs", "redis", "backend", "web", "service", "victim", "stoppable" })
        {
            await App.WaitForHealthyAsync(name, TimeSpan.FromMinutes(3));
        }
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await _recording.CancelAsync();
        await _recorder;
    }

    public IReadOnlyList<ResourceStatus> HistoryOf(string resourceName) => [.. History.Where(s => s.Name == resourceName)];

    private static IResourceBuilder<ExecutableResource> PythonServer(IDistributedApplicationBuilder builder, string name) =>
        builder.AddExecutable(name, TestPaths.Python, TestPaths.TestApps, "envserver.py")
            .WithHttpEndpoint(env: "PORT")
            .WithHttpHealthCheck("/health");
}

[CollectionDefinition(Name)]
public sealed class HostingCollection : ICollectionFixture<HostingFixture>
{
    public const string Name = "hosting";
}
