using System.Globalization;
using System.Runtime.InteropServices;
using Montage.Grpc.Bench;

// gRPC transport benchmark: Montage's client and server against @grpc/grpc-js, same machine, same run, loopback only.
// Usage: dotnet run -c Release --project bench/Montage.Grpc.Bench -- [--concurrency 64] [--seconds 10] [--warmup 3]
//        [--stream-count 100] [--max-calls 2000000] [--only unary|stream]
//        [--grpc-js-channels 1] [--grpc-js-channel-options '{"grpc.enable_channelz":0}'] [--allocations]
var settings = BenchSettings.Parse(args);
Console.WriteLine($"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, .NET {Environment.Version}; " +
    $"{settings.Concurrency} concurrent calls, {settings.Warmup.TotalSeconds:0} s warm-up + {settings.Duration.TotalSeconds:0} s measured per row, " +
    $"server streams of {settings.StreamCount} messages, 17-byte messages; grpc-js client: {settings.GrpcJsChannels} channel(s), " +
    $"options {settings.GrpcJsChannelOptions}.");

await using var montageServer = await MontageEchoServer.StartAsync();
var (grpcJsServer, grpcJsAddress) = await GrpcJsPeers.StartServerAsync();
await using var _ = grpcJsServer;

// JIT warm-up of both .NET paths before any row is measured, so that the first rows do not pay for tiering.
var warmUp = settings with { Duration = settings.Warmup, Warmup = TimeSpan.Zero };
await MontageLoadGenerator.RunAsync(montageServer.Address, warmUp, streaming: false);
await MontageLoadGenerator.RunAsync(montageServer.Address, warmUp, streaming: true);

var rows = new List<Row>();

if (args.Contains("--allocations"))
{
    // Which types the Montage client and server allocate per call (in-process pair), instead of the table.
    using var sampler = new AllocationSampler();
    var streamingProfile = settings.Only == "stream";
    var profiled = await MontageLoadGenerator.RunAsync(montageServer.Address, settings, streamingProfile, sampler.Start);
    var types = sampler.Stop();
    Console.WriteLine($"{profiled.Calls} calls; sampled bytes per call by type (AllocationTick, ~100 KB sampling):");
    foreach (var (type, bytes) in types.Take(30))
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(double)bytes / profiled.Calls,8:0.0}  {type}"));
    }

    return 0;
}

// CPU per call counts the processes of the pair only (this one when a Montage side takes part, the node server, the
// node client) over the measured part only: unlike calls/s it hardly depends on what else the machine runs, and it
// leaves out warm-up and JIT compilation on both sides. Allocations are this .NET process's: in the crossed rows they
// are the Montage client's alone or the Montage server's alone.
async Task Measure(string kind, string pair, bool montageClient, bool montageServer, Func<Action, Task<LoadResult>> run)
{
    var start = default(ProcessCost);
    var result = await run(() => start = ProcessCost.Read(grpcJsServer));
    var cost = ProcessCost.Read(grpcJsServer) - start;
    var dotnetCpu = montageClient || montageServer ? cost.DotnetCpu : TimeSpan.Zero;
    var nodeServerCpu = montageServer ? TimeSpan.Zero : cost.NodeServerCpu;
    var calls = Math.Max(result.Calls, 1);
    rows.Add(new Row(kind, pair, result,
        (dotnetCpu + nodeServerCpu + result.NodeClientCpu).TotalMicroseconds / calls,
        montageClient || montageServer ? dotnetCpu.TotalMicroseconds / calls : double.NaN,
        montageClient || montageServer ? (double)cost.DotnetAllocatedBytes / calls : double.NaN));
}

foreach (var streaming in new[] { false, true })
{
    var kind = streaming ? "server-streaming" : "unary";
    if (settings.Only != "all" && settings.Only != (streaming ? "stream" : "unary"))
    {
        continue;
    }

    await Measure(kind, "Montage -> Montage", true, true, m => MontageLoadGenerator.RunAsync(montageServer.Address, settings, streaming, m));
    await Measure(kind, "grpc-js -> grpc-js", false, false, m => GrpcJsPeers.RunClientAsync(grpcJsAddress, settings, streaming, m));
    await Measure(kind, "Montage -> grpc-js", true, false, m => MontageLoadGenerator.RunAsync(grpcJsAddress, settings, streaming, m));
    await Measure(kind, "grpc-js -> Montage", false, true, m => GrpcJsPeers.RunClientAsync(montageServer.Address, settings, streaming, m));
}

Console.WriteLine();
Console.WriteLine("| kind | client -> server | calls/s | messages/s | p50 ms | p99 ms | CPU us/call (client + server) | .NET CPU us/call | .NET alloc B/call |");
Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var row in rows)
{
    var result = row.Result;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {row.Kind} | {row.Pair} | {result.CallsPerSecond:N0} | {result.MessagesPerSecond:N0} | {result.P50Ms:0.00} | {result.P99Ms:0.00} | " +
        $"{row.CpuMicrosPerCall:0} | {Format(row.DotnetCpuMicrosPerCall)} | {Format(row.DotnetBytesPerCall)} |"));
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

static string Format(double value) => double.IsNaN(value) ? "-" : value.ToString("0", CultureInfo.InvariantCulture);

/// <summary>One table row: CPU figures are per call over the measured part.</summary>
internal sealed record Row(string Kind, string Pair, LoadResult Result, double CpuMicrosPerCall, double DotnetCpuMicrosPerCall, double DotnetBytesPerCall);
