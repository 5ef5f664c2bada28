using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Montage.Contracts.Jobs.V1;
using Montage.Providers.Catalog;

namespace Montage.Gateway.Bench;

/// <summary>The measured side of a submit phase.</summary>
internal enum SubmitPath
{
    /// <summary><c>POST /v1/images</c> through the gateway (HTTP/1.1 keep-alive, one connection per client).</summary>
    Gateway,

    /// <summary>JobTracker.Submit over gRPC (h2c), with the spec the gateway would have built.</summary>
    Direct,
}

/// <summary>Latencies and counts of one or more measured phases of the same kind.</summary>
internal sealed class SubmitResult
{
    public List<double> LatenciesMs { get; } = [];

    public long Submits { get; set; }

    public long Errors { get; set; }

    public double Seconds { get; set; }

    public string? FirstError { get; set; }

    public Dictionary<string, double> CpuSeconds { get; } = new(StringComparer.Ordinal);

    public double PerSecond => Seconds == 0 ? 0 : Submits / Seconds;

    /// <summary>CPU seconds of one process group per 1,000 submits.</summary>
    public double CpuPerThousand(string process) => Submits == 0 ? double.NaN : CpuSeconds.GetValueOrDefault(process) * 1000 / Submits;
}

/// <summary>
/// Closed-loop submit load: each of N clients sends its next submit when the previous one was answered. Every submit
/// has a prompt of its own (the content cache never answers), for <c>local/storyboard</c>, an image model of the
/// local engine. With <c>withIdempotencyKey</c> every request carries a fresh key (the gateway then records and
/// completes it in its database; JobTracking checks it per owner).
/// </summary>
internal sealed class SubmitLoad(BenchSystem system, HttpClient gateway, ModelCatalog catalog)
{
    public const string Model = "local/storyboard";

    // What the gateway sends for such a body, computed once (the catalog-normalized input and the estimate do not
    // depend on the prompt): the client's own work per direct submit is then only the prompt and the RPC.
    private readonly Lazy<(JsonObject Input, long EstimatedMicros)> _direct = new(() =>
    {
        var validated = catalog.Validate(Model, new JsonObject { ["prompt"] = "benchmark card" });
        return (validated.Normalized!, CostEstimator.Estimate(validated.Model!, validated.Normalized!).MicroUsd);
    });

    public static HttpClient CreateGatewayClient(BenchSystem system, int clients) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseCookies = false })
        {
            BaseAddress = system.GatewayHttp,
            Timeout = TimeSpan.FromMinutes(2),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", system.ApiKey) },
        };

    /// <summary>Runs one phase and adds its figures to <paramref name="result"/>.</summary>
    public async Task RunAsync(SubmitPath path, bool withIdempotencyKey, int clients, TimeSpan duration, SubmitResult? result, IReadOnlyDictionary<string, Func<double>> cpu)
    {
        var before = cpu.ToDictionary(p => p.Key, p => p.Value());
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var perClient = await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var latencies = new List<double>(4096);
            long errors = 0;
            string? firstError = null;
            var n = 0;
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var prompt = $"benchmark card {c}-{n++}-{Guid.NewGuid():N}";
                var key = withIdempotencyKey ? Guid.NewGuid().ToString("N") : null;
                var t = Stopwatch.GetTimestamp();
                var error = path == SubmitPath.Gateway ? await ViaGatewayAsync(prompt, key) : await DirectAsync(prompt, key);
                var elapsed = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                if (error is null)
                {
                    latencies.Add(elapsed);
                }
                else
                {
                    errors++;
                    firstError ??= error;
                }
            }

            return (latencies, errors, firstError);
        })));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (result is null)
        {
            return;
        }

        foreach (var (latencies, errors, firstError) in perClient)
        {
            result.LatenciesMs.AddRange(latencies);
            result.Submits += latencies.Count;
            result.Errors += errors;
            result.FirstError ??= firstError;
        }

        result.Seconds += seconds;
        foreach (var (name, meter) in cpu)
        {
            result.CpuSeconds[name] = result.CpuSeconds.GetValueOrDefault(name) + meter() - before[name];
        }
    }

    private async Task<string?> ViaGatewayAsync(string prompt, string? idempotencyKey)
    {
        var body = $"{{\"model\":\"{Model}\",\"input\":{{\"prompt\":\"{prompt}\"}}}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/images") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        try
        {
            using var response = await gateway.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.Accepted ? null : $"HTTP {(int)response.StatusCode}: {Truncate(text)}";
        }
        catch (HttpRequestException exception)
        {
            return exception.Message;
        }
    }

    private async Task<string?> DirectAsync(string prompt, string? idempotencyKey)
    {
        var (template, estimatedMicros) = _direct.Value;
        var input = (JsonObject)template.DeepClone();
        input["prompt"] = prompt;
        var spec = new JobSpec
        {
            Kind = "image.generate",
            ModelId = Model,
            InputJson = input.ToJsonString(),
            Owner = system.Owner,
            IdempotencyKey = idempotencyKey ?? "",
            EstimatedCostMicros = estimatedMicros,
        };
        try
        {
            await system.Jobs.SubmitAsync(new SubmitJobRequest { Spec = spec });
            return null;
        }
        catch (Montage.Grpc.RpcException exception)
        {
            return $"gRPC {exception.StatusCode}: {Truncate(exception.Status.Detail)}";
        }
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "..." : text;
}
