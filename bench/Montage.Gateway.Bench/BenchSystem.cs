using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Montage.Clients;
using Montage.Grpc.Client;
using Montage.Hosting;
using Montage.Hosting.Testing;

namespace Montage.Gateway.Bench;

/// <summary>
/// The system under test, as real processes on free ports: Postgres (jobs and gateway databases), Redis, JobTracking
/// and the gateway. AssetStorage is not started: the benchmark's bodies carry no media, so the gateway never calls it.
/// No generation worker runs, so submitted jobs stay queued and the SSE part can act as the worker itself.
/// </summary>
internal sealed class BenchSystem : IAsyncDisposable
{
    public const string AdminKey = "mk_admin_bench_0123456789abcdef0123456789abcdef";
    /// <summary>A job kind no worker runs: the SSE part leases these jobs itself.</summary>
    public const string SseKind = "bench.sse";
    /// <summary>The highest per-key limit POST /v1/keys accepts (16,666 requests/s): far above what this machine serves.</summary>
    public const int KeyRequestsPerMinute = 1_000_000;
    public const string PerStreamWatchName = "gateway-per-stream-watch";

    private GrpcChannel? _jobsChannel;

    private BenchSystem(DistributedApplication app) => App = app;

    public DistributedApplication App { get; }

    public JobTrackerClient Jobs { get; private set; } = null!;

    /// <summary>The gateway's HTTP/1.1 endpoint.</summary>
    public Uri GatewayHttp { get; private set; } = null!;

    /// <summary>The gateway's h2c endpoint (HTTP/2 with prior knowledge): the same API, multiplexed.</summary>
    public Uri GatewayHttp2 { get; private set; } = null!;

    /// <summary>
    /// A second gateway on the same database with <c>Gateway:SharedEventFeeds=false</c> (one JobTracker Watch per SSE
    /// stream, as before the shared feeds): the SSE peer. Idle during the submit part.
    /// </summary>
    public (Uri Http, Uri Http2) PerStreamWatchGateway { get; private set; }

    public string Owner { get; private set; } = "";

    public string ApiKey { get; private set; } = "";

    public int PostgresPort { get; private set; }

    public static async Task<BenchSystem> StartAsync()
    {
        var app = await DistributedApplicationTestingBuilder.CreateAsync(AddModel);
        var system = new BenchSystem(app);
        await system.InitializeAsync();
        return system;
    }

    public async ValueTask DisposeAsync()
    {
        _jobsChannel?.Dispose();
        await App.DisposeAsync();
    }

    /// <summary>Process ids of a resource (the Postgres postmaster for "postgres").</summary>
    public IReadOnlyList<int> Pids(string resource) => App.GetProcessIds(resource);

    /// <summary>
    /// VACUUM ANALYZE of both databases: after the warm-up the tables are no longer empty, and plans chosen for empty
    /// tables (prepared statements keep theirs) would make the first measured rows pay for a scan.
    /// </summary>
    public async Task AnalyzeAsync()
    {
        foreach (var database in new[] { "jobs-db", "gateway-db" })
        {
            await using var connection = new Npgsql.NpgsqlConnection(App.GetConnectionString(database));
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("VACUUM ANALYZE", connection) { CommandTimeout = 300 };
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Rows and autovacuum/autoanalyze counts of the tables a submit writes: growth and maintenance during the run.</summary>
    public async Task<string> TableStatsAsync()
    {
        var parts = new List<string>();
        foreach (var (database, tables) in new[] { ("jobs-db", "'jobs','job_events'"), ("gateway-db", "'idempotency_records'") })
        {
            await using var connection = new Npgsql.NpgsqlConnection(App.GetConnectionString(database));
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(
                $"SELECT relname, n_live_tup, autovacuum_count, autoanalyze_count FROM pg_stat_user_tables WHERE relname IN ({tables}) ORDER BY relname", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                parts.Add($"{reader.GetString(0)} {reader.GetInt64(1):#,0} rows (autovacuum {reader.GetInt64(2)}, autoanalyze {reader.GetInt64(3)})");
            }
        }

        return string.Join(", ", parts);
    }

    private async Task InitializeAsync()
    {
        await App.WaitForHealthyAsync("gateway", TimeSpan.FromMinutes(5));
        GatewayHttp = App.GetEndpoint("gateway", "http");
        GatewayHttp2 = App.GetEndpoint("gateway", "grpc");
        await App.WaitForHealthyAsync(PerStreamWatchName, TimeSpan.FromMinutes(5));
        PerStreamWatchGateway = (App.GetEndpoint(PerStreamWatchName, "http"), App.GetEndpoint(PerStreamWatchName, "grpc"));
        PostgresPort = new Npgsql.NpgsqlConnectionStringBuilder(App.GetConnectionString("jobs-db")).Port;
        _jobsChannel = GrpcChannel.ForAddress(App.GetEndpoint("jobs", "grpc"));
        Jobs = new JobTrackerClient(_jobsChannel.CreateCallInvoker()) { DefaultTimeout = TimeSpan.FromMinutes(2) };

        // One key for the whole run, created through the admin API with the highest limit it accepts.
        using var admin = new HttpClient { BaseAddress = GatewayHttp };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        Owner = "bench-" + Guid.NewGuid().ToString("N")[..8];
        using var response = await admin.PostAsJsonAsync("/v1/keys", new JsonObject { ["owner"] = Owner, ["name"] = "benchmark", ["requests_per_minute"] = KeyRequestsPerMinute });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /v1/keys answered {(int)response.StatusCode}: {text}");
        }

        ApiKey = JsonNode.Parse(text)!["key"]!.GetValue<string>();
    }

    private static void AddModel(IDistributedApplicationBuilder builder)
    {
        var root = RepositoryLayout.Root()!;
        var postgres = builder.AddPostgres("postgres");
        var jobsDb = postgres.AddDatabase("jobs-db", "jobs");
        var gatewayDb = postgres.AddDatabase("gateway-db", "gateway");
        var redis = builder.AddRedis("redis");

        // Warning-level logs in every service: per-request Information logs would be part of neither side's cost in production.
        var jobs = builder.AddProject("jobs", Path.Combine(root, "src/Montage.JobTracking/Montage.JobTracking.csproj"))
            .WithHttpHealthCheck("/health")
            .WithReference(jobsDb, "jobs").WithReference(redis)
            .WaitFor(jobsDb).WaitFor(redis)
            .WithEnvironment("Logging__LogLevel__Default", "Warning");
        string[] kinds = ["image.generate", "image.composite", "video.animate", "video.avatar", "video.assemble", SseKind];
        for (var i = 0; i < kinds.Length; i++)
        {
            jobs.WithEnvironment($"JobTracking__Kinds__{i}", kinds[i]);
        }

        foreach (var name in new[] { "gateway", PerStreamWatchName })
        {
            builder.AddProject(name, Path.Combine(root, "src/Montage.Gateway/Montage.Gateway.csproj"))
                .WithHttpHealthCheck("/health")
                .WithReference(gatewayDb, "gateway").WaitFor(gatewayDb)
                .WithReference(redis)
                .WithReference(jobs).WaitFor(jobs)
                .WithEnvironment("Gateway__AdminKey", AdminKey)
                // The AssetStore client is built at start and needs an address; no request of the benchmark reaches it.
                .WithEnvironment("services__assets__grpc__0", "http://127.0.0.1:9")
                .WithEnvironment("Gateway__SharedEventFeeds", name == "gateway" ? "true" : "false")
                .WithEnvironment("Logging__LogLevel__Default", "Warning");
        }
    }
}
