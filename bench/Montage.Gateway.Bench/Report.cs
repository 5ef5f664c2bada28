using System.Globalization;

namespace Montage.Gateway.Bench;

/// <summary>The tables the run prints, in the shape docs/benchmarks.md keeps them.</summary>
internal static class Report
{
    private static readonly string[] CpuColumns = ["gateway", "jobtracking", "postgres", "redis", "bench client"];

    public static void Submits(Dictionary<(SubmitPath Path, bool Key), SubmitResult> results, BenchOptions options)
    {
        Console.WriteLine($"Submit: {options.Clients} concurrent clients in a closed loop, local/storyboard, a new prompt per submit; gateway over HTTP/1.1 keep-alive ({options.Clients} connections), direct over one h2c gRPC channel");
        Console.WriteLine("| path | Idempotency-Key | submits/s | p50 ms | p99 ms | errors | CPU s per 1,000 submits: " + string.Join(" / ", CpuColumns) + " |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var ((path, key), result) in results.OrderBy(r => r.Key.Key).ThenBy(r => r.Key.Path))
        {
            var cpu = string.Join(" / ", CpuColumns.Select(c => result.CpuPerThousand(c).ToString("0.00", CultureInfo.InvariantCulture)));
            Console.WriteLine($"| {(path == SubmitPath.Gateway ? "gateway POST /v1/images" : "direct JobTracker.Submit")} | {(key ? "yes" : "no")} | {Stats.Rate(result.PerSecond)} | " +
                $"{Stats.Ms(Stats.Percentile(result.LatenciesMs, 50))} | {Stats.Ms(Stats.Percentile(result.LatenciesMs, 99))} | {result.Errors} | {cpu} |");
        }

        foreach (var key in new[] { false, true })
        {
            var gateway = results[(SubmitPath.Gateway, key)];
            var direct = results[(SubmitPath.Direct, key)];
            Console.WriteLine($"Ratio gateway / direct{(key ? " (with Idempotency-Key)" : "")}: p50 {Stats.Ratio(Stats.Percentile(gateway.LatenciesMs, 50) / Stats.Percentile(direct.LatenciesMs, 50))} " +
                $"(target <= 1.30), p99 {Stats.Ratio(Stats.Percentile(gateway.LatenciesMs, 99) / Stats.Percentile(direct.LatenciesMs, 99))}, " +
                $"throughput {Stats.Ratio(gateway.PerSecond / direct.PerSecond)}; gateway {Stats.Rate(gateway.PerSecond)} submits/s (target >= 1,500)");
        }

        foreach (var ((path, key), result) in results.Where(r => r.Value.FirstError is not null))
        {
            Console.WriteLine($"First error, {path}{(key ? " + key" : "")}: {result.FirstError}");
        }
    }

    public static void Sse(string title, SseResult sse, BenchOptions options)
    {
        Console.WriteLine($"SSE, {title}: {sse.Streams} concurrent streams (GET /v1/jobs/{{id}}/events, one job each) over HTTP/{(options.SseHttp2 ? "2 h2c" : "1.1")}, " +
            $"{sse.Connections} TCP connections; all opened at once, live after {sse.OpenSeconds:0.0} s; driven at {options.SseJobsPerSecond} jobs/s " +
            $"({options.SseJobsPerSecond * 3} events/s: Lease of one job, ReportProgress and Complete {options.SseGapMs} ms apart) in {sse.DriveSeconds:0.0} s, " +
            $"at most {sse.MaxInFlight} jobs in flight");
        Console.WriteLine("| event | deliveries | from RPC return: p50 / p99 / max ms | from RPC send: p50 / p99 / max ms |");
        Console.WriteLine("| --- | ---: | --- | --- |");
        foreach (var type in new[] { "job.running", "job.progress", "job.succeeded" })
        {
            if (sse.FromReturnMs.TryGetValue(type, out var fromReturn))
            {
                Console.WriteLine($"| {type} | {fromReturn.Count} | {Triple(fromReturn)} | {Triple(sse.FromSendMs[type])} |");
            }
        }

        var timed = sse.AllFromReturn.Count();
        Console.WriteLine($"| all | {timed} of {sse.Expected} | {Triple([.. sse.AllFromReturn])} | {Triple([.. sse.AllFromSend])} |");
        Console.WriteLine($"Delivery p99 from RPC return: {Stats.Ms(Stats.Percentile([.. sse.AllFromReturn], 99))} ms (target <= 50 ms); " +
            $"{sse.BeforeReturn} events arrived before their RPC returned (counted as 0); deliveries timed {timed} of {sse.Expected}, missing {sse.Missing}" +
            (sse.MissingWhy.Count > 0 ? " (" + string.Join("; ", sse.MissingWhy.Select(m => $"{m.Value}: {m.Key}")) + ")" : "") +
            $"; failed streams {sse.StreamErrors}; driving RPCs retried after Unavailable {sse.RetriedRpcs}, failed {sse.FailedRpcs}" +
            (sse.FirstStreamError is { } error ? $" (first stream failure: {error})" : ""));
        var deliveries = Math.Max(1, timed);
        Console.WriteLine("CPU s per 1,000 deliveries while driving: " + string.Join(", ", CpuColumns.Select(c =>
            $"{c} {(sse.CpuSeconds.GetValueOrDefault(c) * 1000 / deliveries).ToString("0.00", CultureInfo.InvariantCulture)}")));
    }

    private static string Triple(List<double> samples) =>
        $"{Stats.Ms(Stats.Percentile(samples, 50))} / {Stats.Ms(Stats.Percentile(samples, 99))} / {Stats.Ms(samples.Count == 0 ? double.NaN : samples.Max())}";
}
