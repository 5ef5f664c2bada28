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

    /// <summary>Streams that ended without their job's terminal event (an error event, an HTTP error, a broken connection).</summary>
    public int StreamErrors { get; set; }

    public string? FirstStreamError { get; set; }

    public int Expected { get; set; }

    public int Missing { get; set; }

    /// <summary>Why deliveries were missing: counts per reason.</summary>
    public Dictionary<string, int> MissingWhy { get; } = new(StringComparer.Ordinal);

    public int BeforeReturn { get; set; }

    public int Connections { get; set; }

    /// <summary>Driving RPCs JobTracking refused as Unavailable and that were sent again.</summary>
    public int RetriedRpcs { get; set; }

    /// <summary>Driving RPCs that failed for good.</summary>
    public int FailedRpcs { get; set; }

    public double OpenSeconds { get; set; }

    public double DriveSeconds { get; set; }

    /// <summary>The most jobs being driven at once (a backlog shows the driving did not keep its rate).</summary>
    public int MaxInFlight { get; set; }

    public Dictionary<string, double> CpuSeconds { get; } = new(StringComparer.Ordinal);

    public IEnumerable<double> AllFromReturn => FromReturnMs.Values.SelectMany(v => v);

    public IEnumerable<double> AllFromSend => FromSendMs.Values.SelectMany(v => v);
}

/// <summary>
/// N concurrent SSE clients, each following its own job through the gateway, while this benchmark acts as the
/// worker through JobTracker at a steady rate: every 1/rate seconds it starts one job (Lease of one job:
/// <c>job.running</c>), and <c>--sse-gap-ms</c> later ReportProgress (<c>job.progress</c>), as much later again
/// Complete (<c>job.succeeded</c>). So the gateway sees 3 x rate events per second spread over the run, not a
/// burst: what is measured is delivery, not the draining of a queue. Every delivery is timed against its RPC.
/// </summary>
internal sealed class SseFanOut(BenchSystem system)
{
    private const string Model = "bench/noop";
    private static readonly string[] EventTypes = ["job.running", "job.progress", "job.succeeded"];
    private readonly ConcurrentDictionary<(string JobId, string Type), (long Sent, long Returned)> _rpcs = new();
    private int _retried;
    private int _failed;
    private int _inFlight;
    private int _maxInFlight;

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

    public async Task<SseResult> RunAsync((Uri Http, Uri Http2) gateway, BenchOptions options, IReadOnlyDictionary<string, Func<double>> cpu)
    {
        _rpcs.Clear();
        _retried = _failed = _inFlight = _maxInFlight = 0;
        var streams = options.SseStreams;
        var result = new SseResult { Streams = streams, Expected = streams * EventTypes.Length };
        var jobIds = await SubmitJobsAsync(streams);

        using var client = CreateClient(system, gateway, options.SseHttp2);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var clients = jobIds.Select(id => new SseClient(id)).ToList();
        var opened = Stopwatch.GetTimestamp();
        var running = clients.Select(c => c.RunAsync(client, stop.Token)).ToList();
        await Task.WhenAll(clients.Select(c => c.Ready)).WaitAsync(TimeSpan.FromMinutes(5));
        result.OpenSeconds = Stopwatch.GetElapsedTime(opened).TotalSeconds;
        result.Connections = CountConnections(gateway);

        // Let the streams settle into their live wait before the measured events.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = cpu.ToDictionary(p => p.Key, p => p.Value());
        var driving = Stopwatch.GetTimestamp();
        var gap = TimeSpan.FromMilliseconds(options.SseGapMs);
        var drivers = new List<Task>(streams);
        for (var i = 0; i < streams; i++)
        {
            // Open loop: job i starts at i / rate seconds whatever happened to the jobs before it.
            var due = TimeSpan.FromSeconds((double)i / options.SseJobsPerSecond) - Stopwatch.GetElapsedTime(driving);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }

            drivers.Add(Task.Run(() => DriveOneJobAsync(gap)));
        }

        await Task.WhenAll(drivers);

        // Terminal events end every stream; wait for them (generously), then stop any that hang.
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromMinutes(2)).ContinueWith(_ => { }, TaskScheduler.Default);
        result.DriveSeconds = Stopwatch.GetElapsedTime(driving).TotalSeconds;
        foreach (var (name, meter) in cpu)
        {
            result.CpuSeconds[name] = meter() - before[name];
        }

        await stop.CancelAsync();
        await Task.WhenAll(running);
        Collect(clients, result);
        result.RetriedRpcs = _retried;
        result.FailedRpcs = _failed;
        result.MaxInFlight = _maxInFlight;
        return result;
    }

    /// <summary>One job as a worker runs it: lease, progress, complete, the given gap apart.</summary>
    private async Task DriveOneJobAsync(TimeSpan gap)
    {
        var now = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _maxInFlight, now);
        try
        {
            var request = new LeaseRequest { WorkerId = "bench-sse", MaxJobs = 1, MaxWait = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)), LeaseDuration = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)) };
            request.Kinds.Add(BenchSystem.SseKind);
            var sent = Stopwatch.GetTimestamp();
            var response = await CallAsync(() => system.Jobs.LeaseAsync(request));
            var returned = Stopwatch.GetTimestamp();
            if (response is null || response.Jobs.Count == 0)
            {
                Interlocked.Increment(ref _failed);
                return;
            }

            var job = response.Jobs[0];
            var jobId = job.Job.Id;
            _rpcs[(jobId, "job.running")] = (sent, returned);
            await Task.Delay(gap);
            await TimedAsync(jobId, "job.progress", () => system.Jobs.ReportProgressAsync(new ReportProgressRequest { JobId = jobId, LeaseId = job.LeaseId, Progress = 0.5 }));
            await Task.Delay(gap);
            var complete = new CompleteRequest { JobId = jobId, LeaseId = job.LeaseId };
            var outputs = new OutputAssets();
            outputs.AssetIds.Add("bench-asset");
            complete.Outputs.Add("images", outputs);
            await TimedAsync(jobId, "job.succeeded", () => system.Jobs.CompleteAsync(complete));
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
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

    /// <summary>Times one driving RPC; the time counts from the first attempt (see <see cref="CallAsync"/>).</summary>
    private async Task TimedAsync<T>(string jobId, string type, Func<Task<T>> call)
        where T : class
    {
        var sent = Stopwatch.GetTimestamp();
        if (await CallAsync(call) is not null)
        {
            _rpcs[(jobId, type)] = (sent, Stopwatch.GetTimestamp());
        }
        else
        {
            Interlocked.Increment(ref _failed);
        }
    }

    /// <summary>An overloaded JobTracking answers Unavailable: the RPC is retried (counted); null when it never succeeded.</summary>
    private async Task<T?> CallAsync<T>(Func<Task<T>> call)
        where T : class
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Montage.Grpc.RpcException exception) when (exception.StatusCode is Montage.Grpc.StatusCode.Unavailable or Montage.Grpc.StatusCode.DeadlineExceeded)
            {
                if (attempt >= 20)
                {
                    return null;
                }

                Interlocked.Increment(ref _retried);
                await Task.Delay(250);
            }
        }
    }

    private void Collect(List<SseClient> clients, SseResult result)
    {
        foreach (var sse in clients)
        {
            var failed = sse.ArrivalOf("job.succeeded") is null && (sse.Error is not null || sse.ArrivalOf("error") is not null);
            if (failed)
            {
                result.StreamErrors++;
                result.FirstStreamError ??= sse.Error ?? "an error event";
            }

            foreach (var type in EventTypes)
            {
                if (!_rpcs.TryGetValue((sse.JobId, type), out var rpc))
                {
                    Miss(result, "its driving RPC did not succeed (or the job was never leased)");
                    continue;
                }

                if (sse.ArrivalOf(type) is not { } arrived)
                {
                    Miss(result, failed ? "the stream had failed" : "not received within 2 minutes of the last RPC");
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

    private static void Miss(SseResult result, string why)
    {
        result.Missing++;
        result.MissingWhy[why] = result.MissingWhy.GetValueOrDefault(why) + 1;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
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
