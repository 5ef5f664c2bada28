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

    /// <summary>Runs bench-client.js; <paramref name="onMeasuring"/> runs when the client reports the end of its warm-up.</summary>
    public static async Task<LoadResult> RunClientAsync(Uri address, BenchSettings settings, bool streaming, Action onMeasuring)
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
            "--channels", settings.GrpcJsChannels.ToString(CultureInfo.InvariantCulture),
            "--channel-options", settings.GrpcJsChannelOptions,
        ];
        await using var client = NodeProcess.Start("bench-client.js", arguments);
        var limit = settings.Warmup + settings.Duration + TimeSpan.FromMinutes(2);
        var first = await client.WaitForFirstLineAsync(limit).ConfigureAwait(false);
        if (first != "MEASURING")
        {
            throw new InvalidOperationException($"bench-client.js printed '{first}' instead of MEASURING: {client.StandardError}");
        }

        onMeasuring();
        var output = await client.WaitForExitAsync(limit).ConfigureAwait(false);
        if (client.ExitCode != 0)
        {
            throw new InvalidOperationException($"bench-client.js failed ({client.ExitCode}): {client.StandardError}");
        }

        using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var root = json.RootElement;
        return new LoadResult(
            root.GetProperty("calls").GetInt64(),
            root.GetProperty("messages").GetInt64(),
            root.GetProperty("seconds").GetDouble(),
            root.GetProperty("p50Ms").GetDouble(),
            root.GetProperty("p99Ms").GetDouble())
        {
            NodeClientCpu = TimeSpan.FromMicroseconds(root.GetProperty("measuredCpuMicros").GetDouble()),
        };
    }
}
