using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Montage.Clients;
using Montage.FakeProviders;
using Montage.Grpc.Client;
using Montage.Hosting;
using Montage.Hosting.ApplicationModel;
using Montage.Hosting.Testing;

namespace Montage.Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway with everything it talks to, as real processes: Postgres (jobs, assets, gateway databases), Redis,
/// JobTracking, AssetStorage and the gateway itself, plus the fake fal and KIE (their JWKS/status APIs verify
/// webhooks). Started once per collection. Tests isolate themselves by tenant: <see cref="NewTenantAsync"/> creates a
/// fresh API key with its own owner. Subclass and override <see cref="ConfigureGateway"/> for a system with other
/// gateway settings.
/// </summary>
public class GatewayFixture : IAsyncLifetime
{
    public const string AdminKey = "mk_admin_test_0123456789abcdef0123456789abcdef";
    public const string GatewayName = "gateway";
    public const string JobsName = "jobs";
    public const string AssetsName = "assets";
    /// <summary>A job kind no worker runs, so a test can lease its own jobs and act as the worker.</summary>
    public const string TestKind = "test.gateway";
    /// <summary>A job kind only <see cref="WorkerLeases.SubmitAndLeaseAsync"/> submits and leases, so no other test's job is handed out.</summary>
    public const string WorkerKind = "test.gateway.worker";
    public const string AssetSigningKey = "test-signing-key-0123456789abcdef0123456789";
    private GrpcChannel? _jobsChannel;
    private GrpcChannel? _assetsChannel;

    public DistributedApplication App { get; private set; } = null!;

    public FakeFal Fal { get; private set; } = null!;

    public FakeKie Kie { get; private set; } = null!;

    /// <summary>The gateway's HTTP/1.1 endpoint (REST, webhooks, SSE).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>JobTracking directly over gRPC, to inspect or drive jobs (e.g. act as a worker).</summary>
    public JobTrackerClient Jobs { get; private set; } = null!;

    /// <summary>AssetStorage directly over gRPC.</summary>
    public AssetStoreClient Assets { get; private set; } = null!;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "montage-gateway-" + Guid.NewGuid().ToString("N")[..8]);

    public string GatewayConnectionString => App.GetConnectionString("gateway-db");

    public async Task InitializeAsync()
    {
        Fal = await FakeFal.StartAsync();
        Kie = await FakeKie.StartAsync();
        App = await DistributedApplicationTestingBuilder.CreateAsync(AddModel);
        await App.WaitForHealthyAsync(GatewayName, TimeSpan.FromMinutes(4));
        BaseAddress = App.GetEndpoint(GatewayName, "http");
        _jobsChannel = GrpcChannel.ForAddress(App.GetEndpoint(JobsName, "grpc"));
        _assetsChannel = GrpcChannel.ForAddress(App.GetEndpoint(AssetsName, "grpc"));
        Jobs = new JobTrackerClient(_jobsChannel.CreateCallInvoker());
        Assets = new AssetStoreClient(_assetsChannel.CreateCallInvoker());
    }

    public async Task DisposeAsync()
    {
        _jobsChannel?.Dispose();
        _assetsChannel?.Dispose();
        await App.DisposeAsync();
        await Kie.DisposeAsync();
        await Fal.DisposeAsync();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }

    /// <summary>A client of the gateway without credentials.</summary>
    public HttpClient CreateClient(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <summary>A fresh API key (and owner), created through <c>POST /v1/keys</c> with the bootstrap admin key.</summary>
    public async Task<Tenant> NewTenantAsync(int? requestsPerMinute = null)
    {
        using var admin = CreateClient(AdminKey);
        var owner = "owner-" + Guid.NewGuid().ToString("N")[..12];
        var body = new JsonObject { ["owner"] = owner, ["name"] = "test key" };
        if (requestsPerMinute is { } limit)
        {
            body["requests_per_minute"] = limit;
        }

        using var response = await admin.PostAsJsonAsync("/v1/keys", body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /v1/keys answered {(int)response.StatusCode}: {text}");
        }

        var key = JsonNode.Parse(text)!["key"]!.GetValue<string>();
        return new Tenant(owner, key, CreateClient(key));
    }

    /// <summary>The gateway's settings; override to add more (call the base first).</summary>
    protected virtual void ConfigureGateway(IResourceBuilder<ProjectResource> gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
    }

    /// <summary>The resources as the AppHost declares them, with test settings and the fake providers.</summary>
    private void AddModel(IDistributedApplicationBuilder builder)
    {
        var root = RepositoryLayout.Root()!;
        var postgres = builder.AddPostgres("postgres");
        var jobsDb = postgres.AddDatabase("jobs-db", "jobs");
        var assetsDb = postgres.AddDatabase("assets-db", "assets");
        var gatewayDb = postgres.AddDatabase("gateway-db", "gateway");
        var redis = builder.AddRedis("redis");

        var jobs = builder.AddProject(JobsName, Path.Combine(root, "src/Montage.JobTracking/Montage.JobTracking.csproj"))
            .WithHttpHealthCheck("/health")
            .WithReference(jobsDb, "jobs").WithReference(redis)
            .WaitFor(jobsDb).WaitFor(redis);
        string[] kinds = ["image.generate", "image.composite", "video.animate", "video.avatar", "video.assemble", TestKind, WorkerKind];
        for (var i = 0; i < kinds.Length; i++)
        {
            jobs.WithEnvironment($"JobTracking__Kinds__{i}", kinds[i]);
        }

        var assets = builder.AddProject(AssetsName, Path.Combine(root, "src/Montage.AssetStorage/Montage.AssetStorage.csproj"))
            .WithHttpHealthCheck("/health")
            .WithReference(assetsDb, "assets").WaitFor(assetsDb)
            .WithEnvironment("AssetStorage__DataDir", Path.Combine(DataDir, "assets"))
            .WithEnvironment("AssetStorage__SigningKey", AssetSigningKey)
            .WithEnvironment("AssetStorage__ImportAllowlist__0", "127.0.0.2/32");
        WithFakeProviders(assets);

        var gateway = builder.AddProject(GatewayName, Path.Combine(root, "src/Montage.Gateway/Montage.Gateway.csproj"))
            .WithHttpHealthCheck("/health")
            .WithReference(gatewayDb, "gateway").WaitFor(gatewayDb)
            .WithReference(redis)
            .WithReference(jobs).WaitFor(jobs)
            .WithReference(assets).WaitFor(assets)
            .WithEnvironment("Gateway__AdminKey", AdminKey)
            .WithEnvironment(context => context.Environment["Gateway__PublicUrl"] = context.Values.Url(context.Resource, "http", 0));
        WithFakeProviders(gateway);
        ConfigureGateway(gateway);
    }

    private void WithFakeProviders(IResourceBuilder<ProjectResource> service) =>
        service
            .WithEnvironment("FAL_KEY", FakeFal.DefaultApiKey)
            .WithEnvironment("Providers__Fal__RestUrl", Fal.RestUrl.AbsoluteUri)
            .WithEnvironment("Providers__Fal__QueueUrl", Fal.QueueUrl.AbsoluteUri)
            .WithEnvironment("Providers__Fal__JwksUrl", Fal.JwksUrl.AbsoluteUri)
            .WithEnvironment("KIE_API_KEY", FakeKie.DefaultApiKey)
            .WithEnvironment("Providers__Kie__BaseUrl", Kie.BaseUrl.AbsoluteUri)
            .WithEnvironment("Providers__Kie__UploadUrl", Kie.UploadUrl.AbsoluteUri);
}

/// <summary>One API key and its owner, with a client that sends the key.</summary>
public sealed record Tenant(string Owner, string Key, HttpClient Client) : IDisposable
{
    public void Dispose() => Client.Dispose();
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "Gateway";
}
