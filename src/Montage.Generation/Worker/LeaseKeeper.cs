using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;
using Montage.Grpc;

namespace Montage.Generation.Worker;

/// <summary>
/// Keeps one leased job's lease alive and listens for what JobTracker tells the worker about it: heartbeats extend the
/// lease and report cancel requests and provider webhooks; a live Watch on the job brings the same news at once.
/// <see cref="Abandon"/> fires when the lease is lost (another worker owns the job) or the host stops;
/// <see cref="Cancel"/> fires when the client asked to cancel.
/// </summary>
internal sealed class LeaseKeeper : IAsyncDisposable
{
    private readonly JobTrackerClient _jobs;
    private readonly GenerationOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abandon;
    private readonly CancellationTokenSource _cancel = new();
    private readonly CancellationTokenSource _work;
    private readonly CancellationTokenSource _background = new();
    private readonly Task _heartbeats;
    private readonly Task _watch;
    private int _providerEventsSeen;

    public LeaseKeeper(JobTrackerClient jobs, string jobId, string leaseId, GenerationOptions options, ILogger logger, CancellationToken stopping)
    {
        _jobs = jobs;
        JobId = jobId;
        LeaseId = leaseId;
        _options = options;
        _logger = logger;
        _abandon = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _work = CancellationTokenSource.CreateLinkedTokenSource(_abandon.Token, _cancel.Token);
        _watch = Task.Run(() => WatchAsync(_background.Token), CancellationToken.None);
        _heartbeats = Task.Run(() => HeartbeatAsync(_background.Token), CancellationToken.None);
    }

    public string JobId { get; }

    public string LeaseId { get; }

    /// <summary>Pulsed when a provider webhook for this job reached JobTracker.</summary>
    public WakeSignal Wake { get; } = new();

    /// <summary>The provider request ids of those webhooks: what reconciles a submit whose outcome is unknown.</summary>
    public ProviderEventInbox ProviderEvents { get; } = new();

    /// <summary>Stop working on the job without reporting: the lease is gone or the process is stopping.</summary>
    public CancellationToken Abandon => _abandon.Token;

    public bool LeaseLost { get; private set; }

    /// <summary>The client asked to cancel the job.</summary>
    public CancellationToken Cancel => _cancel.Token;

    public bool CancelRequested => _cancel.IsCancellationRequested;

    /// <summary>Either of the above: the provider wait ends.</summary>
    public CancellationToken Work => _work.Token;

    public void MarkCancelRequested()
    {
        if (!_cancel.IsCancellationRequested)
        {
            _cancel.Cancel();
        }
    }

    /// <summary>A worker call answered FAILED_PRECONDITION: the lease moved on.</summary>
    public void MarkLeaseLost()
    {
        LeaseLost = true;
        if (!_abandon.IsCancellationRequested)
        {
            WorkerLog.LeaseLost(_logger, JobId);
            _abandon.Cancel();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _background.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_heartbeats, _watch).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _work.Dispose();
        _abandon.Dispose();
        _cancel.Dispose();
        _background.Dispose();
    }

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && !LeaseLost)
        {
            try
            {
                await Task.Delay(_options.HeartbeatInterval, cancellationToken).ConfigureAwait(false);
                var response = await _jobs.HeartbeatAsync(
                    new HeartbeatRequest { JobId = JobId, LeaseId = LeaseId, ExtendBy = Duration.FromTimeSpan(_options.LeaseDuration) },
                    cancellationToken).ConfigureAwait(false);
                if (response.CancelRequested)
                {
                    MarkCancelRequested();
                }

                foreach (var delivery in response.ProviderEvents)
                {
                    ProviderEvents.Add(delivery);
                }

                // Deliveries are listed again on every heartbeat: only new ones wake the poll loop.
                if (response.ProviderEvents.Count > _providerEventsSeen)
                {
                    _providerEventsSeen = response.ProviderEvents.Count;
                    Wake.Pulse();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound)
            {
                MarkLeaseLost();
                return;
            }
            catch (RpcException e)
            {
                // JobTracker briefly unreachable: the lease outlives a few missed heartbeats.
                WorkerLog.HeartbeatFailed(_logger, JobId, e.StatusCode.ToString());
            }
        }
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var call = _jobs.Watch(new WatchRequest { JobId = JobId, LiveOnly = true }, cancellationToken);
                while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    switch (call.ResponseStream.Current.Type)
                    {
                        case "job.provider_event":
                            ProviderEvents.Add(call.ResponseStream.Current.ProviderEvent ?? new ProviderEventDelivery());
                            Wake.Pulse();
                            break;
                        case "job.cancel_requested":
                            MarkCancelRequested();
                            break;
                    }
                }

                // A job-scoped stream ends after the job's terminal event: nothing more will come.
                WorkerLog.WatchEnded(_logger, JobId, "job ended");
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e)
            {
                // Heartbeats carry the same news, so a broken watch only costs latency until it reconnects.
                WorkerLog.WatchEnded(_logger, JobId, e.StatusCode.ToString());
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
