using System.Globalization;
using Montage.Gateway.Bench;
using Montage.Hosting.Testing;
using Montage.Providers.Catalog;

// Usage (see docs/benchmarks.md, section Gateway):
//   dotnet bench/Montage.Gateway.Bench/bin/Release/net10.0/Montage.Gateway.Bench.dll
//     [--clients 32] [--seconds 10] [--rounds 2] [--sse 1000] [--sse-http 2] [--drivers 8] [--sse-per-stream-peer 1]
var options = BenchOptions.Parse(args);

Console.WriteLine($"Gateway benchmark: {Environment.ProcessorCount} cores, {options.Clients} concurrent submit clients, " +
    $"{options.Rounds} x {options.Seconds} s per side and variant, {options.SseStreams} SSE streams over HTTP/{(options.SseHttp2 ? "2 (h2c)" : "1.1")}, {options.Drivers} worker drivers");
Console.WriteLine($"Started {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, load average {Stats.LoadAverage()}; starting Postgres, Redis, JobTracking and the gateway (Release builds)...");
await using var system = await BenchSystem.StartAsync();
var processes = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal)
{
    ["gateway"] = system.Pids("gateway"),
    ["jobtracking"] = system.Pids("jobs"),
    ["postgres"] = system.Pids("postgres"),
    ["redis"] = system.Pids("redis"),
    ["bench client"] = [Environment.ProcessId],
};
Console.WriteLine($"System up at {DateTime.UtcNow:HH:mm:ss} UTC; API key for owner {system.Owner} with requests_per_minute={BenchSystem.KeyRequestsPerMinute:#,0} (rate limit not a bound).");

using var gatewayClient = SubmitLoad.CreateGatewayClient(system, options.Clients);
var load = new SubmitLoad(system, gatewayClient, ModelCatalog.Load());
var variants = new[] { false, true };
var results = new Dictionary<(SubmitPath Path, bool Key), SubmitResult>();
foreach (var key in variants)
{
    results[(SubmitPath.Gateway, key)] = new SubmitResult();
    results[(SubmitPath.Direct, key)] = new SubmitResult();
}

// Warm-up (JIT, connection pools, Npgsql auto-prepare) of both sides, not measured.
foreach (var path in new[] { SubmitPath.Direct, SubmitPath.Gateway })
{
    await load.RunAsync(path, withIdempotencyKey: false, options.Clients, TimeSpan.FromSeconds(3), null, processes);
    await load.RunAsync(path, withIdempotencyKey: true, options.Clients, TimeSpan.FromSeconds(2), null, processes);
}

// Alternate the sides round by round, so a change in the machine's load hits both alike.
for (var round = 0; round < options.Rounds; round++)
{
    foreach (var key in variants)
    {
        var order = round % 2 == 0 ? new[] { SubmitPath.Direct, SubmitPath.Gateway } : [SubmitPath.Gateway, SubmitPath.Direct];
        foreach (var path in order)
        {
            await load.RunAsync(path, key, options.Clients, TimeSpan.FromSeconds(options.Seconds), results[(path, key)], processes);
            Console.WriteLine($"  round {round + 1}: {path}{(key ? " + Idempotency-Key" : "")} done, load average {Stats.LoadAverage()}");
        }
    }
}

Console.WriteLine($"Submit part finished {DateTime.UtcNow:HH:mm:ss} UTC, load average {Stats.LoadAverage()}; SSE part...");
var fanOut = new SseFanOut(system);
var sse = await fanOut.RunAsync((system.GatewayHttp, system.GatewayHttp2), options.SseStreams, options.SseHttp2, options.Drivers, processes);
Console.WriteLine($"  shared feeds done, load average {Stats.LoadAverage()}");
Console.WriteLine();
Report.Submits(results, options);
Console.WriteLine();
Report.Sse("gateway with shared event feeds (one JobTracker Watch per owner)", sse, options);
Console.WriteLine();
SseResult? perStream = null;
if (options.ComparePerStreamWatch)
{
    processes["gateway"] = system.Pids(BenchSystem.PerStreamWatchName);
    perStream = await fanOut.RunAsync(system.PerStreamWatchGateway, options.SseStreams, options.SseHttp2, options.Drivers, processes);
    Console.WriteLine($"  one Watch per stream done, load average {Stats.LoadAverage()}");
}

Console.WriteLine($"Finished {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, load average {Stats.LoadAverage()}");
if (results.Values.Any(r => r.Errors > 0) || sse.StreamErrors > 0)
{
    // Errors make the figures meaningless: show why, from the services' own logs.
    foreach (var resource in new[] { "gateway", "jobs" })
    {
        var lines = system.App.GetLogText(resource).Split('\n').Where(l => l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("Exception", StringComparison.Ordinal)).Take(20);
        Console.WriteLine($"--- {resource} log (failures, first 20 lines) ---");
        Console.WriteLine(string.Join('\n', lines));
    }
}

if (perStream is not null)
{
    Console.WriteLine();
    Report.Sse("peer: gateway with Gateway:SharedEventFeeds=false (one JobTracker Watch per SSE stream)", perStream, options);
}

/// <summary>Command-line options.</summary>
internal sealed record BenchOptions(int Clients, int Seconds, int Rounds, int SseStreams, bool SseHttp2, int Drivers, bool ComparePerStreamWatch)
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

        return new BenchOptions(Get("--clients", 32), Get("--seconds", 10), Get("--rounds", 2), Get("--sse", 1000), http == 2, Get("--drivers", 8), Get("--sse-per-stream-peer", 1) == 1);
    }
}
