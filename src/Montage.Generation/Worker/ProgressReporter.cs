using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;
using Montage.Grpc;
using Montage.Providers.Abstractions;
using Montage.Providers.Catalog;

namespace Montage.Generation.Worker;

/// <summary>
/// Turns each provider status seen while waiting into JobTracker calls: a checkpoint when the provider's state changes
/// (IN_QUEUE to IN_PROGRESS), progress estimated from the model's typical duration, and the provider's new log lines.
/// </summary>
internal sealed class ProgressReporter(
    JobTrackerClient jobs, LeaseKeeper lease, ModelDefinition model, ProviderJobHandle handle, bool checkpointed, TimeProvider time, ILogger logger)
{
    private const int MaxRememberedLogLines = 2000;
    private readonly HashSet<string> _seenLogs = new(StringComparer.Ordinal);
    private readonly long _started = time.GetTimestamp();
    private ProviderJobState? _lastState;
    private double _reported;

    public async ValueTask OnStatusAsync(ProviderStatus status, CancellationToken cancellationToken)
    {
        if (status.State != _lastState)
        {
            _lastState = status.State;
            if (checkpointed)
            {
                await CallAsync(() => jobs.CheckpointAsync(
                    new CheckpointRequest { JobId = lease.JobId, LeaseId = lease.LeaseId, Provider = handle.Provider, RequestId = handle.RequestId, ProviderStatus = StatusText(status.State) },
                    cancellationToken), response => response.CancelRequested).ConfigureAwait(false);
            }
        }

        var progress = Estimate(status.State);
        var logs = NewLogs(status.Logs);
        if (logs.Count > 0 || progress >= _reported + 0.01)
        {
            var request = new ReportProgressRequest { JobId = lease.JobId, LeaseId = lease.LeaseId, Progress = Math.Max(progress, _reported) };
            request.Logs.AddRange(logs);
            await CallAsync(() => jobs.ReportProgressAsync(request, cancellationToken), response => response.CancelRequested).ConfigureAwait(false);
            _reported = request.Progress;
        }
    }

    /// <summary>The last step before Complete: outputs are being copied.</summary>
    public ValueTask ReportImportingAsync(CancellationToken cancellationToken) =>
        new(CallAsync(
            () => jobs.ReportProgressAsync(new ReportProgressRequest { JobId = lease.JobId, LeaseId = lease.LeaseId, Progress = Math.Max(0.95, _reported) }, cancellationToken),
            response => response.CancelRequested));

    public static string StatusText(ProviderJobState state) => state switch
    {
        ProviderJobState.Queued => "IN_QUEUE",
        ProviderJobState.Running => "IN_PROGRESS",
        ProviderJobState.Completed => "COMPLETED",
        _ => "FAILED",
    };

    // Providers rarely report a percentage, so progress follows the model's typical duration and never reaches 1 before the outputs are stored.
    private double Estimate(ProviderJobState state)
    {
        if (state == ProviderJobState.Queued)
        {
            return 0.02;
        }

        if (state is ProviderJobState.Completed or ProviderJobState.Failed)
        {
            return 0.9;
        }

        var typical = Math.Max(1, model.TypicalDuration.TotalSeconds);
        return Math.Clamp(0.05 + (0.85 * time.GetElapsedTime(_started).TotalSeconds / typical), 0.05, 0.9);
    }

    private List<LogLine> NewLogs(IReadOnlyList<ProviderLogEntry> entries)
    {
        var lines = new List<LogLine>();
        foreach (var entry in entries)
        {
            var key = $"{entry.Timestamp?.UtcTicks}|{entry.Level}|{entry.Message}";
            if (_seenLogs.Count >= MaxRememberedLogLines || !_seenLogs.Add(key))
            {
                continue;
            }

            lines.Add(new LogLine
            {
                Time = Timestamp.FromDateTimeOffset(entry.Timestamp ?? time.GetUtcNow()),
                Level = (entry.Level ?? "info").ToLowerInvariant(),
                Message = entry.Message.Length > 2000 ? entry.Message[..2000] : entry.Message,
            });
        }

        return lines;
    }

    private async Task CallAsync<T>(Func<Task<T>> call, Func<T, bool> cancelRequested)
    {
        try
        {
            if (cancelRequested(await call().ConfigureAwait(false)))
            {
                lease.MarkCancelRequested();
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            lease.MarkLeaseLost();
        }
        catch (RpcException e)
        {
            // Progress is best effort: a missed report is replaced by the next one.
            WorkerLog.ReportFailed(logger, lease.JobId, e.StatusCode.ToString());
        }
    }
}
