using Microsoft.Extensions.Options;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;
using Montage.Gateway.Errors;
using Montage.Gateway.Jobs;

namespace Montage.Gateway.Callbacks;

/// <summary>
/// Subscribes a job to its callback. The subscription is written before the job is looked at again, so a terminal
/// event is either seen by that look (Get) or happens after the subscription exists, where the watcher or the
/// reconciliation finds it: none falls between.
/// </summary>
internal sealed class JobCallbacks(
    CallbackStore store,
    CallbackUrlPolicy policy,
    CallbackEventWatcher watcher,
    JobTrackerClient jobs,
    IOptionsMonitor<CallbackOptions> options) : IJobCallbacks
{
    public async Task TrackAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.CallbackUrl.Length == 0)
        {
            return;
        }

        await ValidateAsync(job.CallbackUrl, cancellationToken).ConfigureAwait(false);
        await store.SubscribeAsync(job, cancellationToken).ConfigureAwait(false);
        watcher.EnsureWatching(job.Owner);
        var current = JobJson.IsTerminal(job.State) ? job : await jobs.GetAsync(new GetJobRequest { JobId = job.Id }, cancellationToken).ConfigureAwait(false);
        await watcher.HandleJobAsync(current, cancellationToken).ConfigureAwait(false);
    }

    public async Task ValidateAsync(string callbackUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callbackUrl);
        if (WebhookSigner.ParseSecret(options.CurrentValue.SigningSecret) is null)
        {
            throw new ApiProblemException(503, "callbacks_not_configured", "Callbacks are not configured on this server.",
                "Set Callbacks:SigningSecret to enable callback_url.");
        }

        if (await policy.CheckAsync(callbackUrl, cancellationToken).ConfigureAwait(false) is { } problem)
        {
            throw new ApiProblemException(422, "callback_url_refused", "The callback URL cannot be used.", problem,
                new Dictionary<string, string[]> { ["callback_url"] = [problem] });
        }
    }
}
