using Montage.Clients;
using Montage.Contracts.Assets.V1;
using Montage.Contracts.Compositing.V1;
using Montage.Contracts.Images.V1;
using Montage.Contracts.Jobs.V1;
using Montage.Contracts.Videos.V1;
using Montage.FakeProviders;
using Montage.Grpc.Client;
using Montage.Hosting;
using Montage.Hosting.ApplicationModel;
using Montage.Hosting.Testing;

namespace Montage.Generation.Tests;

/// <summary>
/// The whole generation path as real processes: Postgres, Redis, JobTracking, AssetStorage and the three generation
/// services (videos with two replicas), with fake fal and KIE servers and a webhook relay standing in for the gateway.
/// With a webhook URL configured the workers poll only every five minutes, so a hosted job that finishes here was
/// woken by its webhook. Started once for the collection; tests isolate themselves by owner and prompt.
/// </summary>
public sealed class GenerationSystemFixture : IAsyncLifetime
{
    /// <summary>The image service once more, without Gateway:PublicUrl (no webhooks): stopped unless a test swaps it in.</summary>
    public const string PollingImages = "images-polling";
    public const string SigningKey = "test-signing-key-0123456789abcdef0123456789";
    private readonly List<GrpcChannel> _channels = [];

    public DistributedApplication App { get; private set; } = null!;

    public FakeFal Fal { get; private set; } = null!;

    public FakeKie Kie { get; private set; } = null!;

    public WebhookRelay Relay { get; private set; } = null!;

    public JobTrackerClient Jobs { get; private set; } = null!;

    public AssetStoreClient Assets { get; private set; } = null!;

    public ModelQueriesClient Images { get; private set; } = null!;

    public ModelQueriesClient Compositing { get; private set; } = null!;

    public ModelQueriesClient Videos { get; private set; } = null!;

    public string WorkDir { get; } = Path.Combine(Path.GetTempPath(), "montage-gen-" + Guid.NewGuid().ToString("N")[..8]);

    public static string NewOwner() => "owner-" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(WorkDir);
        Fal = await FakeFal.StartAsync();
        Kie = await FakeKie.StartAsync();
        Relay = await WebhookRelay.StartAsync();
        App = await DistributedApplicationTestingBuilder.CreateAsync(AddModel);
        foreach (var name in new[] { "jobs", "assets", "images", "compositing", "videos", PollingImages })
        {
            await App.WaitForHealthyAsync(name, TimeSpan.FromMinutes(6));
        }

        await App.StopResourceAsync(PollingImages);

        Jobs = new JobTrackerClient(Channel("jobs"));
        Assets = new AssetStoreClient(Channel("assets"));
        Images = new ModelQueriesClient(Channel("images"), ImagesReflection.Descriptor.Services[0]);
        Compositing = new ModelQueriesClient(Channel("compositing"), CompositingReflection.Descriptor.Services[0]);
        Videos = new ModelQueriesClient(Channel("videos"), VideosReflection.Descriptor.Services[0]);
        Relay.Jobs = Jobs;
    }

    public async Task DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        await App.DisposeAsync();
        await Relay.DisposeAsync();
        await Kie.DisposeAsync();
        await Fal.DisposeAsync();
        Directory.Delete(WorkDir, recursive: true);
    }

    /// <summary>A fresh fake state for a test (tests of the collection run one after another).</summary>
    public void ResetFakes()
    {
        Fal.Reset();
        Kie.Reset();
    }

    public async Task<Job> SubmitAsync(string kind, string model, string inputJson, string owner)
    {
        var response = await Jobs.SubmitAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { Kind = kind, ModelId = model, InputJson = inputJson, Owner = owner, NoCache = true, MaxAttempts = 3 },
        });
        return response.Job;
    }

    /// <summary>
    /// Runs <paramref name="body"/> while image jobs are leased only by <see cref="PollingImages"/>, a worker the
    /// providers cannot call back; then puts the webhook-configured "images" back.
    /// </summary>
    public async Task<T> WithoutWebhooksAsync<T>(Func<Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        await App.StopResourceAsync("images");
        try
        {
            await App.StartResourceAsync(PollingImages);
            await App.WaitForHealthyAsync(PollingImages, TimeSpan.FromMinutes(3));
            return await body();
        }
        finally
        {
            await App.StopResourceAsync(PollingImages);
            await App.StartResourceAsync("images");
            await App.WaitForHealthyAsync("images", TimeSpan.FromMinutes(3));
        }
    }

    /// <summary>Polls the job until <paramref name="done"/> holds; generous, since the machine may be loaded.</summary>
    public async Task<Job> WaitForAsync(string jobId, Func<Job, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            var job = await Jobs.GetAsync(new GetJobRequest { JobId = jobId });
            if (done(job))
            {
                return job;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Job {jobId} is {job.State} ({job.Error?.Code}: {job.Error?.Message}), checkpoint {job.ProviderCheckpoint?.RequestId}.");
            }

            await Task.Delay(200);
        }
    }

    public Task<Job> WaitForEndAsync(string jobId, TimeSpan? timeout = null) =>
        WaitForAsync(jobId, j => j.State is JobState.Succeeded or JobState.Failed or JobState.Canceled, timeout);

    public async Task<string> UploadAsync(string owner, string path, string contentType)
    {
        await using var file = File.OpenRead(path);
        var asset = await Assets.UploadAsync(new UploadMetadata { Owner = owner, Name = Path.GetFileName(path), ContentType = contentType }, file);
        return asset.Id;
    }

    public async Task<string> DownloadAsync(string assetId, string owner, string extension)
    {
        var path = Path.Combine(WorkDir, assetId + extension);
        await using var file = File.Create(path);
        await Assets.DownloadAsync(new DownloadRequest { AssetId = assetId, Owner = owner }, file);
        return path;
    }

    private CallInvoker Channel(string resource)
    {
        var channel = GrpcChannel.ForAddress(App.GetEndpoint(resource, "grpc"));
        _channels.Add(channel);
        return channel.CreateCallInvoker();
    }

    private void AddModel(IDistributedApplicationBuilder builder)
    {
        var root = RepositoryLayout.Root()!;
        var postgres = builder.AddPostgres("postgres");
        var jobsDb = postgres.AddDatabase("jobs-db", "jobs");
        var assetsDb = postgres.AddDatabase("assets-db", "assets");
        var redis = builder.AddRedis("redis");

        var jobs = builder.AddProject("jobs", Path.Combine(root, "src/Montage.JobTracking/Montage.JobTracking.csproj"))
            .WithHttpHealthCheck("/health")
            .WithReference(jobsDb, "jobs").WithReference(redis).WaitFor(jobsDb).WaitFor(redis)
            .WithEnvironment("JobTracking__BackoffBase", "00:00:00.200")
            .WithEnvironment("JobTracking__BackoffMax", "00:00:01")
            .WithEnvironment("JobTracking__HousekeepingInterval", "00:00:00.250")
            .WithEnvironment("JobTracking__LeasePollFallback", "00:00:00.500");

        var assets = WithProviders(builder.AddProject("assets", Path.Combine(root, "src/Montage.AssetStorage/Montage.AssetStorage.csproj")))
            .WithHttpHealthCheck("/health")
            .WithReference(assetsDb, "assets").WaitFor(assetsDb)
            .WithEnvironment("AssetStorage__DataDir", Path.Combine(WorkDir, "assets"))
            .WithEnvironment("AssetStorage__SigningKey", SigningKey)
            .WithEnvironment("AssetStorage__ImportAllowlist__0", "127.0.0.1/32");

        foreach (var (name, project, replicas) in new[]
        {
            ("images", "src/Montage.ImageGeneration/Montage.ImageGeneration.csproj", 1),
            ("compositing", "src/Montage.Compositing/Montage.Compositing.csproj", 1),
            ("videos", "src/Montage.VideoGeneration/Montage.VideoGeneration.csproj", 2),
            (PollingImages, "src/Montage.ImageGeneration/Montage.ImageGeneration.csproj", 1),
        })
        {
            var service = WithProviders(builder.AddProject(name, Path.Combine(root, project)))
                .WithHttpHealthCheck("/health")
                .WithReplicas(replicas)
                .WithReference(jobs).WithReference(assets).WaitFor(jobs).WaitFor(assets);
            if (name != PollingImages)
            {
                service.WithEnvironment("Gateway__PublicUrl", Relay.BaseUrl.ToString().TrimEnd('/'));
            }

            service
                .WithEnvironment("Generation__LeaseDuration", "00:00:04")
                .WithEnvironment("Generation__HeartbeatInterval", "00:00:01")
                .WithEnvironment("Generation__LeaseWait", "00:00:05")
                .WithEnvironment("Generation__PollInitial", "00:00:00.200")
                .WithEnvironment("Generation__PollMax", "00:00:01")
                .WithEnvironment("Generation__WebhookPollInterval", "00:05:00")
                .WithEnvironment("Montage__LocalProvider__DataDirectory", Path.Combine(WorkDir, name + "-local"));
        }
    }

    private IResourceBuilder<ProjectResource> WithProviders(IResourceBuilder<ProjectResource> service) => service
        .WithEnvironment("FAL_KEY", Fal.ApiKey)
        .WithEnvironment("Providers__Fal__QueueUrl", Fal.QueueUrl.ToString())
        .WithEnvironment("Providers__Fal__RestUrl", Fal.RestUrl.ToString())
        .WithEnvironment("Providers__Fal__JwksUrl", Fal.JwksUrl.ToString())
        .WithEnvironment("Providers__Fal__Retry__MaxRetries", "1")
        .WithEnvironment("Providers__Fal__Retry__BaseDelay", "00:00:00.100")
        .WithEnvironment("KIE_API_KEY", Kie.ApiKey)
        .WithEnvironment("Providers__Kie__BaseUrl", Kie.BaseUrl.ToString())
        .WithEnvironment("Providers__Kie__UploadUrl", Kie.UploadUrl.ToString())
        .WithEnvironment("Providers__Kie__Retry__MaxRetries", "1")
        .WithEnvironment("Providers__Kie__Retry__BaseDelay", "00:00:00.100")
        .WithEnvironment("Montage__LocalEngine__Threads", "1")
        .WithEnvironment("DOTNET_gcServer", "0");
}

[CollectionDefinition(Name)]
public sealed class GenerationSystemCollection : ICollectionFixture<GenerationSystemFixture>
{
    public const string Name = "GenerationSystem";
}
