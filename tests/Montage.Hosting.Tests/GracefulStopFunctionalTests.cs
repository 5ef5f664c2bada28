using Montage.Hosting.ApplicationModel;
using Montage.Hosting.Testing;
using Montage.Hosting.Tests.Support;

namespace Montage.Hosting.Tests;

/// <summary>Stopping an application leaves no process behind, and stops servers cleanly after their clients.</summary>
public sealed class GracefulStopFunctionalTests
{
    [Fact]
    public async Task Dispose_stops_every_process_in_reverse_dependency_order()
    {
        var app = await DistributedApplicationTestingBuilder.CreateAsync(builder =>
        {
            var postgres = builder.AddPostgres("postgres");
            var redis = builder.AddRedis("redis");
            builder.AddExecutable("client", TestPaths.Python, TestPaths.TestApps, "envserver.py")
                .WithHttpEndpoint(env: "PORT")
                .WithHttpHealthCheck("/health")
                .WithReference(postgres).WithReference(redis)
                .WaitFor(postgres).WaitFor(redis);
        }, options => options.DeleteDataDirectoryOnDispose = false);
        var dataDirectory = app.DataDirectory;
        try
        {
            await app.WaitForAllHealthyAsync(TimeSpan.FromMinutes(3));
            var running = ProcessTable.Under(dataDirectory);
            Assert.Contains(running, p => p.CommandLine.Contains("postgres -D", StringComparison.Ordinal));
            Assert.Contains(running, p => p.CommandLine.Contains("redis-server", StringComparison.Ordinal));
            var states = new List<(string Name, KnownResourceState State)>();
            using var watching = new CancellationTokenSource();
            var recorder = Task.Run(async () =>
            {
                try
                {
                    await foreach (var s in app.ResourceNotifications.WatchAsync(watching.Token))
                    {
                        lock (states)
                        {
                            states.Add((s.Name, s.State));
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    // Done recording.
                }
            });

            await app.DisposeAsync();
            await watching.CancelAsync();
            await recorder;

            Assert.Empty(ProcessTable.Under(dataDirectory));
            int StoppedAt(string name) => states.FindIndex(s => s.Name == name && s.State == KnownResourceState.Stopped);
            Assert.True(StoppedAt("client") >= 0 && StoppedAt("client") < StoppedAt("postgres"), string.Join(", ", states));
            Assert.True(StoppedAt("client") < StoppedAt("redis"), string.Join(", ", states));
            // A clean shutdown, not a SIGKILL: Postgres says so on its way out.
            var postgresLog = app.GetLogText("postgres");
            Assert.True(postgresLog.Contains("database system is shut down", StringComparison.Ordinal), postgresLog);
        }
        finally
        {
            await app.DisposeAsync();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_prerequisite_is_one_line_naming_the_package()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddExecutable("needs-tool", "montage-no-such-tool", ".")
            .WithRequiredCommand("montage-no-such-tool", "montage-tools");
        await using var app = builder.Build();

        var missing = await Assert.ThrowsAsync<MissingPrerequisiteException>(() => app.StartAsync());

        Assert.DoesNotContain('\n', missing.Message);
        Assert.Contains("'montage-no-such-tool'", missing.Message, StringComparison.Ordinal);
        Assert.EndsWith("sudo apt-get install montage-tools", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_that_does_not_exist_fails_to_start_and_dependents_say_why()
    {
        await using var app = await DistributedApplicationTestingBuilder.CreateAsync(builder =>
        {
            var broken = builder.AddExecutable("broken", "/nonexistent/montage-tool", ".");
            builder.AddExecutable("dependent", TestPaths.Python, TestPaths.TestApps, "envserver.py")
                .WithHttpEndpoint(env: "PORT")
                .WaitFor(broken);
        });

        var broken = await app.WaitForAsync("broken", s => s.State == KnownResourceState.FailedToStart);
        Assert.Contains("not found", broken.Message, StringComparison.Ordinal);
        var dependent = await app.WaitForAsync("dependent", s => s.State == KnownResourceState.FailedToStart);
        Assert.Contains("broken", dependent.Message, StringComparison.Ordinal);
    }
}
