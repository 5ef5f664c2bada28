using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Montage.Grpc.Bench;

// gRPC transport benchmark: Montage's client and server against @grpc/grpc-js, same machine, same run, loopback only.
// Usage: dotnet run -c Release --project bench/Montage.Grpc.Bench -- [--concurrency 64] [--seconds 10] [--warmup 3]
//        [--stream-count 100] [--max-calls 2000000] [--only unary|stream]
var settings = BenchSettings.Parse(args);
Console.WriteLine($"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, .NET {Environment.Version}; " +
    $"{settings.Concurrency} concurrent calls, {settings.Warmup.TotalSeconds:0} s warm-up + {settings.Duration.TotalSeconds:0} s measured per row, " +
    $"server streams of {settings.StreamCount} messages, 17-byte messages.");

await using var montageServer = await MontageEchoServer.StartAsync();
var (grpcJsServer, grpcJsAddress) = await GrpcJsPeers.StartServerAsync();
await using var _ = grpcJsServer;

// JIT warm-up of both .NET paths before any row is measured, so that the first rows do not pay for tiering.
var warmUp = settings with { Duration = settings.Warmup, Warmup = TimeSpan.Zero };
await MontageLoadGenerator.RunAsync(montageServer.Address, warmUp, streaming: false);
await MontageLoadGenerator.RunAsync(montageServer.Address, warmUp, streaming: true);

var rows = new List<(string Kind, string Pair, LoadResult Result, double CpuMicrosPerCall)>();

// CPU per call counts every process of the pair (this one, the node server, the node client), over warm-up and
// measurement: unlike calls/s, it hardly depends on what else the machine is running.
async Task Row(string kind, string pair, Func<Task<LoadResult>> run)
{
    var dotnetBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var nodeServerBefore = grpcJsServer.TotalProcessorTime;
    var result = await run();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - dotnetBefore + (grpcJsServer.TotalProcessorTime - nodeServerBefore) + result.NodeClientCpu;
    rows.Add((kind, pair, result, cpu.TotalMicroseconds / Math.Max(result.Calls + result.WarmupCalls, 1)));
}

foreach (var streaming in new[] { false, true })
{
    var kind = streaming ? "server-streaming" : "unary";
    if (settings.Only != "all" && settings.Only != (streaming ? "stream" : "unary"))
    {
        continue;
    }

    await Row(kind, "Montage -> Montage", () => MontageLoadGenerator.RunAsync(montageServer.Address, settings, streaming));
    await Row(kind, "grpc-js -> grpc-js", () => GrpcJsPeers.RunClientAsync(grpcJsAddress, settings, streaming));
    await Row(kind, "Montage -> grpc-js", () => MontageLoadGenerator.RunAsync(grpcJsAddress, settings, streaming));
    await Row(kind, "grpc-js -> Montage", () => GrpcJsPeers.RunClientAsync(montageServer.Address, settings, streaming));
}

Console.WriteLine();
Console.WriteLine("| kind | client -> server | calls/s | messages/s | p50 ms | p99 ms | CPU us/call (client + server) |");
Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
foreach (var (kind, pair, result, cpu) in rows)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {kind} | {pair} | {result.CallsPerSecond:N0} | {result.MessagesPerSecond:N0} | {result.P50Ms:0.00} | {result.P99Ms:0.00} | {cpu:0} |"));
}

Console.WriteLine();
foreach (var group in rows.GroupBy(r => r.Kind))
{
    var ours = group.First(r => r.Pair == "Montage -> Montage");
    var theirs = group.First(r => r.Pair == "grpc-js -> grpc-js");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{group.Key}: Montage/grpc-js throughput x{ours.Result.MessagesPerSecond / theirs.Result.MessagesPerSecond:0.00}, " +
        $"p50 x{ours.Result.P50Ms / theirs.Result.P50Ms:0.00}, p99 x{ours.Result.P99Ms / theirs.Result.P99Ms:0.00}, " +
        $"CPU per call x{ours.CpuMicrosPerCall / theirs.CpuMicrosPerCall:0.00} (latency and CPU: lower is better)"));
}

return 0;
