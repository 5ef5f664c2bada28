using System.Globalization;
using Montage.Clients;
using Montage.Grpc.Client;
using Montage.Hosting;
using Montage.Hosting.Testing;
using Montage.JobTracking.Bench;

// Usage: dotnet run -c Release --project bench/Montage.JobTracking.Bench -- [clients=32] [seconds=15] [samples=300]
// By default the benchmark starts its own Postgres, Redis and JobTracking (Release build) on free ports. To profile
// against servers started by hand (e.g. Postgres with -c shared_preload_libraries=pg_stat_statements, which then adds
// a per-statement table to the output), set JOBS_BENCH_GRPC=http://127.0.0.1:<grpc port> and
// JOBS_BENCH_POSTGRES=<Npgsql connection string of the service's database>.
var clients = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 32;
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
var samples = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 300;
var duration = TimeSpan.FromSeconds(seconds);

var externalGrpc = Environment.GetEnvironmentVariable("JOBS_BENCH_GRPC");
DistributedApplication? app = null;
Uri grpcEndpoint;
string connectionString;
if (!string.IsNullOrEmpty(externalGrpc))
{
    grpcEndpoint = new Uri(externalGrpc);
    connectionString = Environment.GetEnvironmentVariable("JOBS_BENCH_POSTGRES") ?? throw new InvalidOperationException("JOBS_BENCH_POSTGRES is required with JOBS_BENCH_GRPC");
}
else
{
    app = await DistributedApplicationTestingBuilder.CreateAsync(builder =>
    {
        var jobs = builder.AddPostgres("postgres").AddDatabase("jobs");
        var redis = builder.AddRedis("redis");
        var service = builder.AddProject("jobtracking", Path.Combine(RepositoryLayout.Root()!, "src/Montage.JobTracking/Montage.JobTracking.csproj"))
            .WithHttpHealthCheck("/health")
            .WithReference(jobs).WithReference(redis).WaitFor(jobs).WaitFor(redis)
            .WithEnvironment("Logging__LogLevel__Default", "Warning");
        for (var i = 0; i < BenchKinds.All.Length; i++)
        {
            service.WithEnvironment($"JobTracking__Kinds__{i}", BenchKinds.All[i]);
        }
    });
    await app.WaitForHealthyAsync("jobtracking", TimeSpan.FromMinutes(4));
    grpcEndpoint = app.GetEndpoint("jobtracking", "grpc");
    connectionString = app.GetConnectionString("jobs");
}

await using var appLifetime = app;
using var channel = GrpcChannel.ForAddress(grpcEndpoint);
var client = new JobTrackerClient(channel.CreateCallInvoker()) { DefaultTimeout = TimeSpan.FromMinutes(2) };
Console.WriteLine($"JobTracking benchmark: {Environment.ProcessorCount} cores, {clients} concurrent clients, {seconds} s per throughput run, {samples} latency samples");
Console.WriteLine($"Started {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}");
Console.WriteLine($"Postgres synchronous_commit={await Durability.SettingAsync(connectionString, "synchronous_commit")}, fsync={await Durability.SettingAsync(connectionString, "fsync")}");

// Warm-up: JIT, connection pools, HTTP/2 connections. By job count, not time: the service JIT-compiles its hot paths
// again at tier 1 after ~30 calls each, and on a loaded machine a 3 s warm-up (~100 jobs) left that compilation inside
// the measured run, where it showed as several ms of service CPU per job.
var warmup = await ServiceCycle.WarmUpAsync(client, clients, jobs: 1500, limit: TimeSpan.FromSeconds(45));
await BareSqlCycle.RunAsync(connectionString, clients, TimeSpan.FromSeconds(2));

var profile = await ServiceCycle.ProfileAsync(client, 50);
// CPU per job of each process of each side: other engineers' servers run on this machine too, so this run's Postgres
// is found by its port and its backends as its children.
var port = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Port;
// The service this benchmark started is its child; a hand-started one (JOBS_BENCH_GRPC) is any JobTracking process.
int? serviceParent = app is null ? null : Environment.ProcessId;
var cpu = (Service: ProcessCpu.Seconds("Montage.JobTracking.dll", serviceParent), Postgres: ProcessCpu.PostgresSeconds(port), Client: ProcessCpu.Self());
var statementStats = await StatementStats.ResetAsync(connectionString);
var serviceStarted = await GroupCommitStats.NowAsync(connectionString);
var service = await ServiceCycle.RunAsync(client, clients, duration);
var serviceCpu = (Service: ProcessCpu.Seconds("Montage.JobTracking.dll", serviceParent) - cpu.Service, Postgres: ProcessCpu.PostgresSeconds(port) - cpu.Postgres, Client: ProcessCpu.Self() - cpu.Client);
cpu = (Service: ProcessCpu.Seconds("Montage.JobTracking.dll", serviceParent), Postgres: ProcessCpu.PostgresSeconds(port), Client: ProcessCpu.Self());
var statements = statementStats ? await StatementStats.TopAsync(connectionString, service.Jobs) : null;
var jobsPerTransaction = await GroupCommitStats.JobsPerTransactionAsync(connectionString, serviceStarted);
var bare = await BareSqlCycle.RunAsync(connectionString, clients, duration);
await Task.Delay(500); // the closed connections' backends exit and are reaped (then counted in the server's figure)
var bareCpu = (Postgres: ProcessCpu.PostgresSeconds(port) - cpu.Postgres, Client: ProcessCpu.Self() - cpu.Client);
var queuedToLeased = await Latency.QueuedToLeasedAsync(client, samples);
var eventLatency = await Latency.EventLatencyAsync(client, samples);
var fsync = await Durability.PgTestFsyncAsync(Path.GetTempPath());
var commitsOne = await Durability.CommitsPerSecondAsync(connectionString, 1, TimeSpan.FromSeconds(5));
var commitsMany = await Durability.CommitsPerSecondAsync(connectionString, clients, TimeSpan.FromSeconds(5));

Console.WriteLine();
Console.WriteLine($"Finished {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}");
Console.WriteLine("| measure | result |");
Console.WriteLine("| --- | --- |");
Console.WriteLine($"| warm-up before the measured runs | {warmup} JobTracking cycles |");
Console.WriteLine($"| full cycle through JobTracking (Submit, Lease, Checkpoint, Complete) | {Stats.Rate(service.JobsPerSecond)} jobs/s ({service.Jobs} jobs) |");
Console.WriteLine($"| same cycle as bare Npgsql SQL (4 durable transactions per job) | {Stats.Rate(bare.JobsPerSecond)} jobs/s ({bare.Jobs} jobs) |");
Console.WriteLine($"| one client alone, mean per RPC | {profile} |");
Console.WriteLine($"| JobTracking cycle: jobs per transaction (group commit) | {jobsPerTransaction} |");
Console.WriteLine($"| CPU ms per job, JobTracking cycle: service / Postgres / benchmark client | {PerJob(serviceCpu.Service, service.Jobs)} / {PerJob(serviceCpu.Postgres, service.Jobs)} / {PerJob(serviceCpu.Client, service.Jobs)} |");
Console.WriteLine($"| CPU ms per job, bare SQL cycle: Postgres / benchmark client | {PerJob(bareCpu.Postgres, bare.Jobs)} / {PerJob(bareCpu.Client, bare.Jobs)} |");
Console.WriteLine($"| ratio JobTracking / bare SQL | {(service.JobsPerSecond / bare.JobsPerSecond).ToString("0.00", CultureInfo.InvariantCulture)} |");
Console.WriteLine($"| queued -> leased, worker waiting: p50 / p99 | {Stats.Ms(Stats.Percentile(queuedToLeased, 50))} / {Stats.Ms(Stats.Percentile(queuedToLeased, 99))} |");
Console.WriteLine($"| state change -> Watch event received: p50 / p99 | {Stats.Ms(Stats.Percentile(eventLatency, 50))} / {Stats.Ms(Stats.Percentile(eventLatency, 99))} |");
Console.WriteLine($"| disk: pg_test_fsync | {fsync} |");
Console.WriteLine($"| durable commits/s, 1 connection / {clients} connections | {Stats.Rate(commitsOne)} / {Stats.Rate(commitsMany)} |");
if (statements is not null)
{
    Console.WriteLine();
    Console.WriteLine("Postgres statements of the JobTracking cycle run (pg_stat_statements), by total execution time:");
    Console.WriteLine(statements);
}

// The machine is shared: the load says how much of it the run had.
static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static string PerJob(double seconds, long jobs) => jobs == 0 ? "n/a" : (seconds * 1000 / jobs).ToString("0.00", CultureInfo.InvariantCulture);
