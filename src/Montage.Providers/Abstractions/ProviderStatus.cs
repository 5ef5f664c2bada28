using System.Text.Json.Nodes;

namespace Montage.Providers.Abstractions;

public enum ProviderJobState
{
    Queued,
    Running,
    Completed,
    Failed,
}

/// <summary>One log line reported by the provider while a job runs.</summary>
public sealed record ProviderLogEntry(string Message, string? Level, DateTimeOffset? Timestamp);

/// <summary>A job's state as the provider reports it. Use the factory methods; check <see cref="State"/>.</summary>
public sealed record ProviderStatus
{
    private ProviderStatus(ProviderJobState state) => State = state;

    public ProviderJobState State { get; }

    /// <summary>Set when <see cref="State"/> is Queued and the provider reports a position.</summary>
    public int? QueuePosition { get; private init; }

    /// <summary>Logs reported so far (Running, and sometimes Completed/Failed).</summary>
    public IReadOnlyList<ProviderLogEntry> Logs { get; private init; } = [];

    /// <summary>Set when <see cref="State"/> is Failed: the classified reason.</summary>
    public ProviderError? Error { get; private init; }

    /// <summary>Provider metrics when completed (e.g. fal's inference_time), as reported.</summary>
    public JsonObject? Metrics { get; private init; }

    public bool IsTerminal => State is ProviderJobState.Completed or ProviderJobState.Failed;

    public static ProviderStatus Queued(int? position) => new(ProviderJobState.Queued) { QueuePosition = position };

    public static ProviderStatus Running(IReadOnlyList<ProviderLogEntry>? logs = null) =>
        new(ProviderJobState.Running) { Logs = logs ?? [] };

    public static ProviderStatus Completed(IReadOnlyList<ProviderLogEntry>? logs = null, JsonObject? metrics = null) =>
        new(ProviderJobState.Completed) { Logs = logs ?? [], Metrics = metrics };

    public static ProviderStatus Failed(ProviderError error, IReadOnlyList<ProviderLogEntry>? logs = null) =>
        new(ProviderJobState.Failed) { Error = error ?? throw new ArgumentNullException(nameof(error)), Logs = logs ?? [] };
}
