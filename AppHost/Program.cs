// The Montage topology: resources and their wiring. Longer wiring lives in Extensions.cs.
// `./run.sh` runs it; `dotnet run --project AppHost -- publish --format compose|kubernetes --output <dir>` publishes it.
var builder = DistributedApplication.CreateBuilder(args);
BuildModel(builder);
builder.Build().Run();

public partial class Program
{
    /// <summary>The whole model, shared with the system tests so they start the exact same topology.</summary>
    public static void BuildModel(IDistributedApplicationBuilder builder)
    {
        var postgres = builder.AddPostgres("postgres");
        postgres.AddDatabase("jobs");
        postgres.AddDatabase("assets");
        postgres.AddDatabase("gateway");

        builder.AddRedis("redis");

        // Each service issue adds its project here, e.g.:
        // builder.AddMontageService("jobs", "../src/Montage.JobTracking/Montage.JobTracking.csproj")
        //     .WithReference(jobsDb).WithReference(redis).WaitFor(jobsDb).WaitFor(redis);
    }
}
