using System.Globalization;
using Montage.Gateway.Bench;
using Montage.Hosting.Testing;
using Montage.Providers.Catalog;

// Usage (see docs/benchmarks.md, section Gateway):
//   dotnet bench/Montage.Gateway.Bench/bin/Release/net10.0/Montage.Gateway.Bench.dll
//     [--clients 32] [--seconds 10] [--rounds 2] [--sse 1000] [--sse-http 2] [--sse-rate 50] [--sse-gap-ms 500] [--sse-per-stream-peer 0]
var options = BenchOptions.Parse(args);

Console.WriteLine($"Gateway benchmark: {Environment.ProcessorCount} cores, {options.Clients} concurrent submit clients, " +
    $"{options.Rounds} x {options.Seconds} s per side and variant, {options.SseStreams} SSE streams over HTTP/{(options.SseHttp2 ? "2 (h2c)" : "1.1")}, " +
    $"driven at {options.SseJobsPerSecond} jobs/s (3 events each, {options.SseGapMs} ms apart)");
Console.WriteLine($"Started {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, load average {Stats.LoadAverage()}; starting Postgres, Redis, JobTracking and the gateway (Release builds)...");
await using var system = await BenchSystem.StartAsync();
// CPU meters per process group. The services are this process's children, so the benchmark client counts only its
// own threads (the tree of this process would be the whole system).
var cpu = new Dictionary<string, Func<double>>(StringComparer.Ordinal)
{
    ["gateway"] = Tree(system.Pids("gateway")),
    ["jobtracking"] = Tree(system.Pids("jobs")),
    ["postgres"] = Tree(system.Pids("postgres")),
    ["redis"] = Tree(system.Pids("redis")),
    ["bench client"] = ProcessCpu.OwnSeconds,
};
Console.WriteLine($"System up at {DateTime.UtcNow:HH:mm:ss} UTC; API key for owner {system.Owner} with requests_per_minute={BenchSystem.KeyRequestsPerMinute:#,0} (rate limit not a bound).");

using var gatewayClient = SubmitLoad.CreateGatewayClient(system, options.Clients);
var load = new SubmitLoad(system, gatewayClient, ModelCatalog.Load());
var rows = new[] { (SubmitPath.Direct, false), (SubmitPath.Gateway, false), (SubmitPath.Direct, true), (SubmitPath.Gateway, true) };
var results = rows.ToDictionary(r => r, _ => new SubmitResult());

// Warm-up (JIT to tier 1, connection pools, prepared statements) of every row, twice, not measured; then the planner
// gets statistics of the grown tables, so no row is measured against plans made for empty tables.
for (var pass = 0; pass < 2; pass++)
{
    foreach (var (path, key) in rows)
    {
        await load.RunAsync(path, key, options.Clients, TimeSpan.FromSeconds(3), null, cpu);
    }
}

await system.AnalyzeAsync();
Console.WriteLine($"Warm-up done {DateTime.UtcNow:HH:mm:ss} UTC, load average {Stats.LoadAverage()}; {await system.TableStatsAsync()}");

// The order of the four rows changes every round (forward, then backward), so neither the machine's load nor the
// tables' growth within the run weighs on one row more than another.
for (var round = 0; round < options.Rounds; round++)
{
    foreach (var (path, key) in round % 2 == 0 ? rows : rows.Reverse())
    {
        await load.RunAsync(path, key, options.Clients, TimeSpan.FromSeconds(options.Seconds), results[(path, key)], cpu);
        Console.WriteLine($"  round {round + 1}: {path}{(key ? " + Idempotency-Key" : "")} done, load average {Stats.LoadAverage()}");
    }
}

Console.WriteLine($"Submit part finished {DateTime.UtcNow:HH:mm:ss} UTC, load average {Stats.LoadAverage()}; {await system.TableStatsAsync()}");
Console.WriteLine();
Report.Submits(results, options);
Console.WriteLine();

var fanOut = new SseFanOut(system);
Console.WriteLine($"SSE part {DateTime.UtcNow:HH:mm:ss} UTC, load average {Stats.LoadAverage()}...");
var sse = await fanOut.RunAsync((system.GatewayHttp, system.GatewayHttp2), options, cpu);
Console.WriteLine($"  shared feeds done, load average {Stats.LoadAverage()}");
Report.Sse("gateway with shared event feeds (one JobTracker Watch per owner)", sse, options);
Console.WriteLine();
SseResult? perStream = null;
if (options.ComparePerStreamWatch)
{
    cpu["gateway"] = Tree(system.Pids(BenchSystem.PerStreamWatchName));
    perStream = await fanOut.RunAsync(system.PerStreamWatchGateway, options, cpu);
    Console.WriteLine($"  one Watch per stream done, load average {Stats.LoadAverage()}");
    Report.Sse("peer: gateway with Gateway:SharedEventFeeds=false (one JobTracker Watch per SSE stream)", perStream, options);
    Console.WriteLine();
}

Console.WriteLine($"Finished {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, load average {Stats.LoadAverage()}");
if (results.Values.Any(r => r.Errors > 0) || sse.StreamErrors > 0 || sse.Missing > 0 || perStream is { StreamErrors: > 0 })
{
    // Errors make the figures meaningless: show why, from the services' own logs.
    foreach (var resource in new[] { "gateway", "jobs" })
    {
        var lines = system.App.GetLogText(resource).Split('\n').Where(l => l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("Exception", StringComparison.Ordinal)).Take(20);
        Console.WriteLine($"--- {resource} log (failures, first 20 lines) ---");
        Console.WriteLine(string.Join('\n', lines));
    }
}

static Func<double> Tree(IReadOnlyList<int> pids) => () => ProcessCpu.TreeSeconds(pids);

/// <summary>Command-line options.</summary>
internal sealed record BenchOptions(int Clients, int Seconds, int Rounds, int SseStreams, bool SseHttp2, int SseJobsPerSecond, int SseGapMs, bool ComparePerStreamWatch)
{
    public static BenchOptions Parse(string[] args)
    {
        int Get(string name, int fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
        }

        var http = Get("--sse-http", 2);
        if (http is not (1 or 2))
        {
            throw new ArgumentException("--sse-http takes 1 or 2");
        }

        var rate = Get("--sse-rate", 50);
        if (rate < 1)
        {
            throw new ArgumentException("--sse-rate is jobs per second, at least 1");
        }

        return new BenchOptions(Get("--clients", 32), Get("--seconds", 10), Get("--rounds", 2), Get("--sse", 1000), http == 2, rate,
            Get("--sse-gap-ms", 500), Get("--sse-per-stream-peer", 0) == 1);
    }
}
