using System.Globalization;

namespace Montage.Grpc.Bench;

/// <summary>Command-line settings; every run is bounded by both time and call count.</summary>
internal sealed record BenchSettings(
    int Concurrency, TimeSpan Warmup, TimeSpan Duration, int StreamCount, long MaxCalls, string Only, int GrpcJsChannels, string GrpcJsChannelOptions)
{
    public static BenchSettings Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        return new BenchSettings(
            int.Parse(Get("--concurrency", "64"), CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(double.Parse(Get("--warmup", "3"), CultureInfo.InvariantCulture)),
            TimeSpan.FromSeconds(double.Parse(Get("--seconds", "10"), CultureInfo.InvariantCulture)),
            int.Parse(Get("--stream-count", "100"), CultureInfo.InvariantCulture),
            long.Parse(Get("--max-calls", "2000000"), CultureInfo.InvariantCulture),
            Get("--only", "all"),
            int.Parse(Get("--grpc-js-channels", "1"), CultureInfo.InvariantCulture),
            Get("--grpc-js-channel-options", "{}"));
    }
}
