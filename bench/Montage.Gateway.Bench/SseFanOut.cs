using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Jobs.V1;

namespace Montage.Gateway.Bench;

/// <summary>Figures of the SSE part.</summary>
internal sealed class SseResult
{
    /// <summary>Per event type: milliseconds from the RPC's return to the event's arrival (0 when it beat the return).</summary>
    public Dictionary<string, List<double>> FromReturnMs { get; } = new(StringComparer.Ordinal);

    /// <summary>Per event type: milliseconds from just before the RPC was sent (includes the RPC's own commit).</summary>
    public Dictionary<string, List<double>> FromSendMs { get; } = new(StringComparer.Ordinal);

    public int Streams { get; set; }

    public int StreamErrors { get; set; }

    public string? FirstStreamError { get; set; }

    public int Missing { get; set; }

    public int BeforeReturn { get; set; }

    public int Connections { get; set; }

    /// <summary>Driving RPCs JobTracking refused as Unavailable and that were sent again.</summary>
    public int RetriedRpcs { get; set; }

    public double OpenSeconds { get; set; }

    public double DriveSeconds { get; set; }

    public Dictionary<string, double> CpuSeconds { get; } = new(StringComparer.Ordinal);

    public IEnumerable<double> AllFromReturn => FromReturnMs.Values.SelectMany(v => v);

    public IEnumerable<double> AllFromSend => FromSendMs.Values.SelectMany(v => v);
}

/// <summary>
/// N concurrent SSE clients, each following its own job through the gateway, while this benchmark acts as the
/// worker through JobTracker: Lease (batches of 100: <c>job.running</c>), ReportProgress (<c>job.progress</c>) and
/// Complete (<c>job.succeeded</c>) with a few concurrent drivers. Every delivery is timed against the driving RPC.
/// </summary>
internal sealed class SseFanOut(BenchSystem system)
{
    private const string Model = "bench/noop";
    private readonly ConcurrentDictionary<(string JobId, string Type), (long Sent, long Returned)> _rpcs = new();
    private int _retried;

    public static HttpClient CreateClient(BenchSystem system, (Uri Http, Uri Http2) gateway, bool http2)
    {
        var handler = new SocketsHttpHandler
        {
            // HTTP/2: Kestrel allows 100 streams per connection, so 1,000 streams use about 10 connections.
            EnableMultipleHttp2Connections = true,
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseCookies = false,
        };
        return new HttpClient(handler)
        {
            BaseAddress = http2 ? gateway.Http2 : gateway.Http,
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", system.ApiKey) },
        };
    }

    public async Task<SseResult> RunAsync((Uri Http, Uri Http2) gateway, int streams, bool http2, int drivers, IReadOnlyDictionary<string, IReadOnlyList<int>> processes)
    {
        _rpcs.Clear();
        _retried = 0;
        var result = new SseResult { Streams = streams };
        var jobIds = await SubmitJobsAsync(streams);

        using var client = CreateClient(system, gateway, http2);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var clients = jobIds.Select(id => new SseClient(id)).ToList();
        var opened = Stopwatch.GetTimestamp();
        var running = clients.Select(c => c.RunAsync(client, stop.Token)).ToList();
        await Task.WhenAll(clients.Select(c => c.Ready)).WaitAsync(TimeSpan.FromMinutes(5));
        result.OpenSeconds = Stopwatch.GetElapsedTime(opened).TotalSeconds;
        result.Connections = CountConnections(gateway);

        // Let the streams settle into their live wait before the measured events.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = processes.ToDictionary(p => p.Key, p => ProcessCpu.TreeSeconds(p.Value));
        var driving = Stopwatch.GetTimestamp();
        var leased = await LeaseAllAsync(jobIds);
        var queue = new ConcurrentQueue<LeasedJob>(leased);
        await Task.WhenAll(Enumerable.Range(0, drivers).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var job))
            {
                await TimedAsync(job.Job.Id, "job.progress", () => system.Jobs.ReportProgressAsync(new ReportProgressRequest { JobId = job.Job.Id, LeaseId = job.LeaseId, Progress = 0.5 }));
                var complete = new CompleteRequest { JobId = job.Job.Id, LeaseId = job.LeaseId };
                var outputs = new OutputAssets();
                outputs.AssetIds.Add("bench-asset");
                complete.Outputs.Add("images", outputs);
                await TimedAsync(job.Job.Id, "job.succeeded", () => system.Jobs.CompleteAsync(complete));
            }
        })));

        // Terminal events end every stream; wait for them (generously), then stop any that hang.
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromMinutes(3)).ContinueWith(_ => { }, TaskScheduler.Default);
        result.DriveSeconds = Stopwatch.GetElapsedTime(driving).TotalSeconds;
        foreach (var (name, pids) in processes)
        {
            result.CpuSeconds[name] = ProcessCpu.TreeSeconds(pids) - before[name];
        }

        await stop.CancelAsync();
        await Task.WhenAll(running);
        Collect(clients, result);
        result.RetriedRpcs = _retried;
        return result;
    }

    private async Task<List<string>> SubmitJobsAsync(int count)
    {
        var ids = new ConcurrentBag<string>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                var spec = new JobSpec { Kind = BenchSystem.SseKind, ModelId = Model, Owner = system.Owner, InputJson = $"{{\"n\":\"{Guid.NewGuid():N}\"}}", NoCache = true };
                ids.Add((await system.Jobs.SubmitAsync(new SubmitJobRequest { Spec = spec })).Job.Id);
            }
        })));
        return [.. ids];
    }

    private async Task<List<LeasedJob>> LeaseAllAsync(List<string> jobIds)
    {
        var leased = new List<LeasedJob>(jobIds.Count);
        while (leased.Count < jobIds.Count)
        {
            var request = new LeaseRequest { WorkerId = "bench-sse", MaxJobs = 100, MaxWait = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)), LeaseDuration = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)) };
            request.Kinds.Add(BenchSystem.SseKind);
            var sent = Stopwatch.GetTimestamp();
            var response = await system.Jobs.LeaseAsync(request);
            var returned = Stopwatch.GetTimestamp();
            if (response.Jobs.Count == 0)
            {
                throw new InvalidOperationException($"Lease returned nothing after {leased.Count} of {jobIds.Count} jobs.");
            }

            foreach (var job in response.Jobs)
            {
                _rpcs[(job.Job.Id, "job.running")] = (sent, returned);
                leased.Add(job);
            }
        }

        return leased;
    }

    /// <summary>
    /// Times one driving RPC. An overloaded JobTracking answers Unavailable (its database pool exhausted, as with one
    /// Watch per stream): the RPC is retried, and the time counts from the first attempt.
    /// </summary>
    private async Task TimedAsync<T>(string jobId, string type, Func<Task<T>> call)
    {
        var sent = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call();
                break;
            }
            catch (Montage.Grpc.RpcException exception) when (attempt < 20 && exception.StatusCode is Montage.Grpc.StatusCode.Unavailable or Montage.Grpc.StatusCode.DeadlineExceeded)
            {
                Interlocked.Increment(ref _retried);
                await Task.Delay(250);
            }
        }

        _rpcs[(jobId, type)] = (sent, Stopwatch.GetTimestamp());
    }

    private void Collect(List<SseClient> clients, SseResult result)
    {
        foreach (var sse in clients)
        {
            if (sse.Error is { } error && sse.ArrivalOf("job.succeeded") is null)
            {
                result.StreamErrors++;
                result.FirstStreamError ??= error;
            }

            foreach (var type in new[] { "job.running", "job.progress", "job.succeeded" })
            {
                if (!_rpcs.TryGetValue((sse.JobId, type), out var rpc) || sse.ArrivalOf(type) is not { } arrived)
                {
                    result.Missing++;
                    continue;
                }

                var fromReturn = Stopwatch.GetElapsedTime(rpc.Returned, arrived).TotalMilliseconds;
                if (fromReturn < 0)
                {
                    result.BeforeReturn++;
                }

                Add(result.FromReturnMs, type, Math.Max(0, fromReturn));
                Add(result.FromSendMs, type, Stopwatch.GetElapsedTime(rpc.Sent, arrived).TotalMilliseconds);
            }
        }
    }

    private static void Add(Dictionary<string, List<double>> samples, string type, double value)
    {
        if (!samples.TryGetValue(type, out var list))
        {
            samples[type] = list = [];
        }

        list.Add(value);
    }

    /// <summary>TCP connections from this process to the gateway right now (from /proc/net/tcp: established, to its ports).</summary>
    private static int CountConnections((Uri Http, Uri Http2) gateway)
    {
        var ports = new[] { gateway.Http.Port, gateway.Http2.Port }.Select(p => p.ToString("X4", System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        var count = 0;
        foreach (var file in new[] { "/proc/self/net/tcp", "/proc/self/net/tcp6" })
        {
            if (!File.Exists(file))
            {
                continue;
            }

            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // fields[2] is the remote address:port, fields[3] the state (01 = established).
                if (fields.Length > 3 && fields[3] == "01" && ports.Contains(fields[2][^4..]))
                {
                    count++;
                }
            }
        }

        return count;
    }
}
