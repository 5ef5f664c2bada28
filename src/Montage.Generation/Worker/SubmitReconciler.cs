using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Montage.Providers.Abstractions;

namespace Montage.Generation.Worker;

/// <summary>
/// Settles a paid submit whose outcome is unknown (its answer was lost after it was sent, or an earlier holder of the
/// attempt died between its submit intent and the request id's Checkpoint) without sending it again. Neither fal nor
/// KIE has an idempotency key or a way to list requests, so the one trace of a request whose id we never learned is
/// its webhook: the worker puts the job id in the webhook URL, JobTracking records a delivery for such a job on it,
/// and this waits for one. The job hint is not covered by the provider's signature, so every request id heard of is
/// confirmed with the provider under our own key first (another account's request is not found): a forged hint cannot
/// make the job adopt someone else's request.
/// </summary>
internal sealed class SubmitReconciler(IOptions<GenerationOptions> options, TimeProvider time, ILogger<SubmitReconciler> logger)
{
    private readonly GenerationOptions _options = options.Value;

    /// <summary>
    /// The confirmed handle of the request the submit created; fails the job when none is found by the deadline.
    /// <c>webhooks</c> says whether the submit carried a webhook URL: without one the provider can never tell us.
    /// </summary>
    public async Task<ProviderJobHandle> ReconcileAsync(
        LeaseKeeper lease, IGenerationProvider provider, string modelEndpoint, bool webhooks, DateTimeOffset deadline)
    {
        if (!webhooks)
        {
            throw Unresolved(provider.Name, "without a webhook URL (Gateway:PublicUrl is not configured) the provider cannot tell which request it was");
        }

        WorkerLog.Reconciling(logger, lease.JobId, provider.Name);
        var rejected = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (true)
            {
                foreach (var requestId in lease.ProviderEvents.RequestIds(provider.Name).Where(id => !rejected.Contains(id)))
                {
                    var handle = provider.Resume(requestId, modelEndpoint);
                    try
                    {
                        await provider.GetStatusAsync(handle, lease.Work).ConfigureAwait(false);
                        WorkerLog.Reconciled(logger, lease.JobId, provider.Name, requestId);
                        return handle;
                    }
                    catch (ProviderException e) when (e.Error.Kind is ProviderErrorKind.NotFound or ProviderErrorKind.Validation)
                    {
                        rejected.Add(requestId);
                        WorkerLog.Unconfirmed(logger, lease.JobId, provider.Name, requestId, e.Error.Kind.ToString());
                    }
                    catch (ProviderException e)
                    {
                        // The provider could not answer now: ask again at the next wake-up.
                        WorkerLog.Unconfirmed(logger, lease.JobId, provider.Name, requestId, e.Error.Kind.ToString());
                    }
                }

                var remaining = deadline - time.GetUtcNow();
                if (remaining <= TimeSpan.Zero)
                {
                    throw Unresolved(provider.Name, "no webhook of the provider named a request it confirms before the model's deadline");
                }

                // Woken by a delivery (Watch or heartbeat); the periodic look also retries a confirmation that failed.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(lease.Work);
                wait.CancelAfter(remaining < _options.PollMax ? remaining : _options.PollMax);
                try
                {
                    await lease.Wake.WaitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!lease.Work.IsCancellationRequested)
                {
                }
            }
        }
        catch (OperationCanceledException) when (lease.CancelRequested && !lease.Abandon.IsCancellationRequested)
        {
            // Without a request id there is nothing to cancel at the provider.
            throw new JobFailureException(
                JobErrors.Canceled,
                $"Canceled at the client's request while the outcome of the submit to {provider.Name} was unknown: the provider may still run (and bill) it.",
                retryable: false);
        }
    }

    private static JobFailureException Unresolved(string provider, string reason) => new(
        JobErrors.OutcomeUnknown,
        $"The submit to {provider} got no answer after it was sent, and {reason}. The provider may have run (and billed) it; " +
        "it was not sent again automatically. Retrying the job submits it again, which may be billed a second time.",
        retryable: false);
}
