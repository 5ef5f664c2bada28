using System.Globalization;
using System.Text.Json;
using Montage.Grpc.InteropTests;

namespace Montage.Grpc.Bench;

/// <summary>The grpc-js side: the EchoService server (echo-server.js) and the load generator (bench-client.js).</summary>
internal static class GrpcJsPeers
{
    public static async Task<(NodeProcess Server, Uri Address)> StartServerAsync()
    {
        var server = NodeProcess.Start("echo-server.js", "--port", "0");
        var port = await server.WaitForPortAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        return (server, new Uri($"http://127.0.0.1:{port}"));
    }

    public static async Task<LoadResult> RunClientAsync(Uri address, BenchSettings settings, bool streaming, bool targetsMontage)
    {
        string[] arguments =
        [
            "--address", $"{address.Host}:{address.Port}",
            "--mode", streaming ? "stream" : "unary",
            "--concurrency", settings.Concurrency.ToString(CultureInfo.InvariantCulture),
            "--seconds", settings.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            "--warmup", settings.Warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            "--stream-count", settings.StreamCount.ToString(CultureInfo.InvariantCulture),
            "--max-calls", settings.MaxCalls.ToString(CultureInfo.InvariantCulture),
        ];
        // The CPU this process spends meanwhile is the in-process Montage server's (when it is the target).
        var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        await using var client = NodeProcess.Start("bench-client.js", arguments);
        var output = await client.WaitForExitAsync(settings.Warmup + settings.Duration + TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        if (client.ExitCode != 0)
        {
            throw new InvalidOperationException($"bench-client.js failed ({client.ExitCode}): {client.StandardError}");
        }

        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var root = json.RootElement;
        var calls = root.GetProperty("calls").GetInt64();
        var allCalls = Math.Max(calls + root.GetProperty("warmupCalls").GetInt64(), 1);
        return new LoadResult(
            calls,
            root.GetProperty("messages").GetInt64(),
            root.GetProperty("seconds").GetDouble(),
            root.GetProperty("p50Ms").GetDouble(),
            root.GetProperty("p99Ms").GetDouble())
        {
            CpuMicrosPerCall = targetsMontage ? cpu.TotalMicroseconds / allCalls : null,
            BytesPerCall = targetsMontage ? (double)allocated / allCalls : null,
        };
    }
}
