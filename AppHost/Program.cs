// The Montage topology: resources and their wiring. Longer wiring lives in Extensions.cs.
// `./run.sh` runs it; `dotnet run --project AppHost -- publish --format compose|kubernetes --output <dir>` publishes it.
using Montage.AppHost;

var builder = DistributedApplication.CreateBuilder(args);
Program.BuildModel(builder);
builder.Build().Run();

public partial class Program
{
    /// <summary>The whole model, shared with the system tests so they start the exact same topology.</summary>
    public static void BuildModel(IDistributedApplicationBuilder builder)
    {
        var postgres = builder.AddPostgres("postgres");
        // Resource names are unique across the model, so a database is named after its service plus "-db";
        // the service still sees the connection string under its own short name.
        var jobsDb = postgres.AddDatabase("jobs-db", "jobs");
        var assetsDb = postgres.AddDatabase("assets-db", "assets");
        var gatewayDb = postgres.AddDatabase("gateway-db", "gateway");

        var redis = builder.AddRedis("redis");

        var jobs = builder.AddMontageService("jobs", "../src/Montage.JobTracking/Montage.JobTracking.csproj")
            .WithReference(jobsDb, "jobs")
            .WithReference(redis)
            .WaitFor(jobsDb)
            .WaitFor(redis);

        var assets = builder.AddMontageService("assets", "../src/Montage.AssetStorage/Montage.AssetStorage.csproj")
            .WithReference(assetsDb, "assets")
            .WithAssetStore(builder.DataDirectory)
            .WaitFor(assetsDb);

        // Generation workers: two replicas each, so a crashed one's jobs are resumed by the other.
        var images = builder.AddMontageService("images", "../src/Montage.ImageGeneration/Montage.ImageGeneration.csproj")
            .WithReplicas(2).WithReference(jobs).WithReference(assets).WaitFor(jobs).WaitFor(assets);
        var compositing = builder.AddMontageService("compositing", "../src/Montage.Compositing/Montage.Compositing.csproj")
            .WithReplicas(2).WithReference(jobs).WithReference(assets).WaitFor(jobs).WaitFor(assets);
        var videos = builder.AddMontageService("videos", "../src/Montage.VideoGeneration/Montage.VideoGeneration.csproj")
            .WithReplicas(2).WithReference(jobs).WithReference(assets).WaitFor(jobs).WaitFor(assets);

        // The one public entry point: REST API, provider webhooks, live events and gRPC forwarding.
        builder.AddMontageService("gateway", "../src/Montage.Gateway/Montage.Gateway.csproj")
            .WithReference(gatewayDb, "gateway")
            .WithReference(jobs)
            .WithReference(assets)
            .WithReference(images)
            .WithReference(compositing)
            .WithReference(videos)
            .WithGatewayKeys(builder.DataDirectory)
            .WithExternalHttpEndpoints()
            .WaitFor(gatewayDb)
            .WaitFor(jobs)
            .WaitFor(assets);
    }
}
