using System.Collections.Concurrent;

namespace Montage.FakeProviders;

/// <summary>The calls a fault can target.</summary>
public enum FakeOperation
{
    Submit,
    Status,
    Result,
    Cancel,
    UploadInitiate,
    UploadPut,
    Upload,
    Jwks,
}

/// <summary>One injected misbehaviour, applied to the next matching calls.</summary>
public abstract record FakeFault;

/// <summary>Answer with this status (and body/headers) instead of serving the call; the call has no effect.</summary>
public sealed record StatusFault(int Status, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null) : FakeFault;

/// <summary>KIE only: answer HTTP <paramref name="HttpStatus"/> with envelope code <paramref name="Code"/> (errors inside HTTP 200).</summary>
public sealed record EnvelopeFault(int Code, string Message, int HttpStatus = 200, int? RetryAfterSeconds = null) : FakeFault;

/// <summary>Wait before serving the call normally.</summary>
public sealed record DelayFault(TimeSpan Delay) : FakeFault;

/// <summary>
/// Abort the TCP connection without an answer. For a submit the job is accepted and recorded first
/// (the "paid, but the answer was lost" case); for other calls nothing happens.
/// </summary>
public sealed record DropConnectionFault : FakeFault;

/// <summary>
/// Submit only: the job is accepted and recorded at once, then the answer is withheld until the client gives up (its
/// timeout, or its process dies) or <paramref name="Longest"/> passes, and the connection is dropped: a paid request
/// whose id the client never learns, with time to kill the client in between.
/// </summary>
public sealed record AcceptThenStallFault(TimeSpan Longest) : FakeFault;

/// <summary>Thread-safe, per-operation queues of faults; each fault applies a given number of times.</summary>
public sealed class FakeFaults
{
    private readonly ConcurrentDictionary<FakeOperation, ConcurrentQueue<FakeFault>> queues = new();

    public void Add(FakeOperation operation, FakeFault fault, int times = 1)
    {
        var queue = queues.GetOrAdd(operation, _ => new ConcurrentQueue<FakeFault>());
        for (var i = 0; i < times; i++)
        {
            queue.Enqueue(fault);
        }
    }

    public void RateLimit(FakeOperation operation, int retryAfterSeconds = 1, int times = 1) =>
        Add(operation, new StatusFault(429, "{\"detail\":\"Too many requests\"}", new Dictionary<string, string> { ["Retry-After"] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }), times);

    public void ServerError(FakeOperation operation, int status = 500, int times = 1) =>
        Add(operation, new StatusFault(status, $"{{\"detail\":\"Injected {status}\",\"error_type\":\"{(status == 500 ? "internal_error" : "runner_unavailable")}\"}}"), times);

    public void Slow(FakeOperation operation, TimeSpan delay, int times = 1) => Add(operation, new DelayFault(delay), times);

    public void DropConnection(FakeOperation operation, int times = 1) => Add(operation, new DropConnectionFault(), times);

    public void AcceptThenStall(FakeOperation operation, TimeSpan longest, int times = 1) => Add(operation, new AcceptThenStallFault(longest), times);

    public bool TryTake(FakeOperation operation, out FakeFault? fault)
    {
        fault = null;
        return queues.TryGetValue(operation, out var queue) && queue.TryDequeue(out fault);
    }

    public int Pending(FakeOperation operation) => queues.TryGetValue(operation, out var queue) ? queue.Count : 0;

    public void Clear() => queues.Clear();
}
