using Microsoft.Extensions.Options;

namespace Montage.Gateway.Callbacks;

/// <summary>
/// Sends queued callbacks: claims what is due, attempts each once, records the outcome and when to try again. All
/// state is in Postgres, so a restart resumes where the last process stopped (an attempt cut short by a crash is
/// retried once its claim lapses).
/// </summary>
internal sealed class CallbackDispatcher(
    CallbackStore store,
    CallbackSender sender,
    CallbackSignal signal,
    IOptionsMonitor<CallbackOptions> options,
    ILogger<CallbackDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (WebhookSigner.ParseSecret(options.CurrentValue.SigningSecret) is null)
        {
            CallbacksLog.NotConfigured(logger);
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wait = await RunPassAsync(stoppingToken).ConfigureAwait(false);
                if (wait > TimeSpan.Zero)
                {
                    await signal.WaitAsync(wait, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: claims of unfinished attempts lapse and the next process retries them.
        }
    }

    /// <summary>One pass; returns how long to sleep before the next (zero: more may be due right away).</summary>
    private async Task<TimeSpan> RunPassAsync(CancellationToken stoppingToken)
    {
        var settings = options.CurrentValue;
        try
        {
            var secret = settings.SigningSecret;
            if (WebhookSigner.ParseSecret(secret) is null)
            {
                return settings.PollInterval;
            }

            var signer = new WebhookSigner(secret!);
            var claimFor = settings.AttemptTimeout + settings.AttemptTimeout + TimeSpan.FromSeconds(5);
            var claimed = await store.ClaimDueAsync(Math.Max(1, settings.MaxConcurrentDeliveries), claimFor, stoppingToken).ConfigureAwait(false);
            if (claimed.Count > 0)
            {
                await Task.WhenAll(claimed.Select(delivery => AttemptAsync(delivery, signer, settings, stoppingToken))).ConfigureAwait(false);
                return TimeSpan.Zero;
            }

            var dueIn = await store.NextDueInAsync(stoppingToken).ConfigureAwait(false);
            return dueIn is { } due ? TimeSpan.FromTicks(Math.Clamp(due.Ticks, TimeSpan.FromMilliseconds(10).Ticks, settings.PollInterval.Ticks)) : settings.PollInterval;
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
        {
            CallbacksLog.SenderPassFailed(logger, exception.GetType().Name, exception);
            return TimeSpan.FromSeconds(1);
        }
    }

    private async Task AttemptAsync(PendingDelivery delivery, WebhookSigner signer, CallbackOptions settings, CancellationToken stoppingToken)
    {
        var result = await sender.SendAsync(delivery, signer, stoppingToken).ConfigureAwait(false);
        var schedule = settings.EffectiveSchedule;
        TimeSpan? retryIn = result.Outcome == DeliveryOutcome.Failed && delivery.Attempt < schedule.Count
            ? WithJitter(schedule[delivery.Attempt])
            : null;

        // The outcome is recorded even while stopping: the attempt happened.
        await store.RecordAttemptAsync(delivery.WebhookId, result.Outcome, result.Status, result.Error, retryIn, CancellationToken.None).ConfigureAwait(false);
        if (result.Outcome == DeliveryOutcome.Delivered)
        {
            CallbacksLog.Delivered(logger, delivery.WebhookId, delivery.JobId, delivery.Attempt, result.Status);
        }
        else if (retryIn is { } wait)
        {
            CallbacksLog.WillRetry(logger, delivery.WebhookId, delivery.JobId, delivery.Attempt, result.Error, wait);
        }
        else
        {
            CallbacksLog.GivenUp(logger, delivery.WebhookId, delivery.JobId, delivery.Attempt, result.Error);
        }
    }

    /// <summary>Up to 10% more, so that many callbacks failing together do not all come back at the same instant.</summary>
    private static TimeSpan WithJitter(TimeSpan delay) =>
        delay + TimeSpan.FromTicks((long)(delay.Ticks * 0.1 * Random.Shared.NextDouble()));
}
