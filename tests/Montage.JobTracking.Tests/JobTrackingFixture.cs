using Montage.Contracts.Jobs.V1;
using Montage.Grpc.Client;
using Montage.Hosting;
using Montage.Hosting.Testing;

namespace Montage.JobTracking.Tests;

/// <summary>
/// Real Postgres, real Redis and the JobTracking service as a separate process, started once per collection.
/// Tests isolate themselves by owner and by job kind: the service is configured with many test kinds, and each
/// test takes fresh ones, so a job left queued by one test is never leased by another.
/// </summary>
public class JobTrackingFixture : IAsyncLifetime
{
    public const int TestKinds = 64;
    private int _kinds;
    private GrpcChannel? _channel;

    public DistributedApplication App { get; private set; } = null!;

    public JobTrackerClient Client { get; private set; } = null!;

    public string JobsConnectionString => App.GetConnectionString("jobs");

    public string NewKind()
    {
        var n = Interlocked.Increment(ref _kinds);
        if (n >= TestKinds)
        {
            throw new InvalidOperationException("Raise JobTrackingFixture.TestKinds: every test kind is used.");
        }

        return "test.k" + n;
    }

    public static string NewOwner() => "owner-" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        App = await DistributedApplicationTestingBuilder.CreateAsync(AddModel);
        await App.WaitForHealthyAsync("jobtracking", TimeSpan.FromMinutes(4));
        _channel = GrpcChannel.ForAddress(App.GetEndpoint("jobtracking", "grpc"));
        // Generous deadline: calls queue behind other suites on a loaded machine; Lease waits up to its max_wait.
        Client = new JobTrackerClient(_channel.CreateCallInvoker()) { DefaultTimeout = TimeSpan.FromMinutes(2) };
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        await App.DisposeAsync();
    }

    /// <summary>The resources, as the AppHost declares them, with test settings for the service.</summary>
    public static void AddModel(IDistributedApplicationBuilder builder)
    {
        var postgres = builder.AddPostgres("postgres");
        var jobs = postgres.AddDatabase("jobs");
        var redis = builder.AddRedis("redis");
        var service = builder.AddProject("jobtracking", Path.Combine(RepositoryLayout.Root()!, "src/Montage.JobTracking/Montage.JobTracking.csproj"))
            .WithHttpHealthCheck("/health")
            .WithReference(jobs).WithReference(redis)
            .WaitFor(jobs).WaitFor(redis)
            .WithEnvironment("JobTracking__BackoffBase", "00:00:00.200")
            .WithEnvironment("JobTracking__BackoffMax", "00:00:01")
            .WithEnvironment("JobTracking__HousekeepingInterval", "00:00:00.200")
            .WithEnvironment("JobTracking__LeasePollFallback", "00:00:00.500")
            .WithEnvironment("JobTracking__Models__capped-model__MaxConcurrency", "2")
            .WithEnvironment("JobTracking__Models__shared-a__Provider", "capped-provider")
            .WithEnvironment("JobTracking__Models__shared-b__Provider", "capped-provider")
            .WithEnvironment("JobTracking__Providers__capped-provider__MaxConcurrency", "3")
            .WithEnvironment("JobTracking__MaxInputBytes", "4096");
        string[] standard = ["image.generate", "image.composite", "video.animate", "video.avatar", "video.assemble"];
        for (var i = 0; i < standard.Length; i++)
        {
            service.WithEnvironment($"JobTracking__Kinds__{i}", standard[i]);
        }

        for (var i = 1; i < TestKinds; i++)
        {
            service.WithEnvironment($"JobTracking__Kinds__{standard.Length + i - 1}", "test.k" + i);
        }
    }

    public static JobSpec Spec(string kind, string owner, string input = "{\"prompt\":\"a cat\"}", string model = "test/model") => new()
    {
        Kind = kind,
        ModelId = model,
        InputJson = input,
        Owner = owner,
    };
}

[CollectionDefinition(Name)]
public sealed class JobTrackingCollection : ICollectionFixture<JobTrackingFixture>
{
    public const string Name = "JobTracking";
}

/// <summary>A separate system for tests that kill and restart processes.</summary>
public sealed class JobTrackingFaultFixture : JobTrackingFixture;

[CollectionDefinition(Name)]
public sealed class JobTrackingFaultCollection : ICollectionFixture<JobTrackingFaultFixture>
{
    public const string Name = "JobTrackingFaults";
}
