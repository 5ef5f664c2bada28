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

var rows = new List<(string Kind, string Pair, LoadResult Result)>();
foreach (var streaming in new[] { false, true })
{
    var kind = streaming ? "server-streaming" : "unary";
    if (settings.Only != "all" && settings.Only != (streaming ? "stream" : "unary"))
    {
        continue;
    }

    rows.Add((kind, "Montage -> Montage", await MontageLoadGenerator.RunAsync(montageServer.Address, settings, streaming)));
    rows.Add((kind, "grpc-js -> grpc-js", await GrpcJsPeers.RunClientAsync(grpcJsAddress, settings, streaming, targetsMontage: false)));
    rows.Add((kind, "Montage -> grpc-js", await MontageLoadGenerator.RunAsync(grpcJsAddress, settings, streaming)));
    rows.Add((kind, "grpc-js -> Montage", await GrpcJsPeers.RunClientAsync(montageServer.Address, settings, streaming, targetsMontage: true)));
}

Console.WriteLine();
Console.WriteLine("| kind | client -> server | calls/s | messages/s | p50 ms | p99 ms | Montage CPU us/call | Montage bytes/call |");
Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var (kind, pair, result) in rows)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {kind} | {pair} | {result.CallsPerSecond:N0} | {result.MessagesPerSecond:N0} | {result.P50Ms:0.00} | {result.P99Ms:0.00} | {result.CpuMicrosPerCall:0} | {result.BytesPerCall:N0} |"));
}

Console.WriteLine();
foreach (var group in rows.GroupBy(r => r.Kind))
{
    var ours = group.First(r => r.Pair == "Montage -> Montage").Result;
    var theirs = group.First(r => r.Pair == "grpc-js -> grpc-js").Result;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{group.Key}: Montage/grpc-js throughput x{ours.MessagesPerSecond / theirs.MessagesPerSecond:0.00}, " +
        $"p50 x{ours.P50Ms / theirs.P50Ms:0.00}, p99 x{ours.P99Ms / theirs.P99Ms:0.00} (latency: lower is better)"));
}

Console.WriteLine();
Console.WriteLine("Montage CPU and bytes per call: this process (client and server for Montage -> Montage, the client alone for");
Console.WriteLine("Montage -> grpc-js, the server alone for grpc-js -> Montage, warm-up included there); empty for grpc-js -> grpc-js.");
return 0;
