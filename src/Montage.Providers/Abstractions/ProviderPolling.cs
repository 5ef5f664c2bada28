namespace Montage.Providers.Abstractions;

/// <summary>Polling as the fallback when a webhook does not come: intervals grow from <see cref="Initial"/> to <see cref="Max"/>.</summary>
public sealed record ProviderPollingOptions
{
    public TimeSpan Initial { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan Max { get; init; } = TimeSpan.FromSeconds(15);

    public double Multiplier { get; init; } = 1.5;

    /// <summary>Give up after this long (the model's job timeout); null waits until cancelled.</summary>
    public TimeSpan? Deadline { get; init; }
}

public static class ProviderPolling
{
    /// <summary>
    /// Polls until the job is completed or failed, reporting every status (progress, logs) to <paramref name="onStatus"/>.
    /// Retryable provider errors (after the client's own retries) do not end the wait; final ones are thrown.
    /// <paramref name="wakeUp"/>, when given, is called for every interval and ends it early when its task completes
    /// (e.g. on the next verified webhook); return a task for the next signal, not one already completed.
    /// </summary>
    /// <exception cref="TimeoutException">The deadline passed before the job ended.</exception>
    public static async Task<ProviderStatus> WaitForTerminalAsync(
        this IGenerationProvider provider,
        ProviderJobHandle handle,
        ProviderPollingOptions options,
        Func<ProviderStatus, CancellationToken, ValueTask>? onStatus = null,
        Func<CancellationToken, Task>? wakeUp = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentNullException.ThrowIfNull(options);
        var clock = timeProvider ?? TimeProvider.System;
        var started = clock.GetTimestamp();
        var interval = options.Initial;
        while (true)
        {
            try
            {
                var status = await provider.GetStatusAsync(handle, cancellationToken).ConfigureAwait(false);
                if (onStatus is not null)
                {
                    await onStatus(status, cancellationToken).ConfigureAwait(false);
                }

                if (status.IsTerminal)
                {
                    return status;
                }
            }
            catch (ProviderException e) when (e.Error.IsRetryable)
            {
                if (e.Error.RetryAfter is { } retryAfter && retryAfter > interval)
                {
                    interval = retryAfter;
                }
            }

            var elapsed = clock.GetElapsedTime(started);
            if (options.Deadline is { } deadline && elapsed >= deadline)
            {
                throw new TimeoutException($"The {provider.Name} job {handle.RequestId} did not finish within {deadline}.");
            }

            var wait = options.Deadline is { } limit && limit - elapsed < interval ? limit - elapsed : interval;
            await WaitAsync(wait, wakeUp, clock, cancellationToken).ConfigureAwait(false);
            interval = TimeSpan.FromTicks(Math.Min(options.Max.Ticks, (long)(interval.Ticks * Math.Max(1.0, options.Multiplier))));
        }
    }

    private static async Task WaitAsync(TimeSpan wait, Func<CancellationToken, Task>? wakeUp, TimeProvider clock, CancellationToken cancellationToken)
    {
        using var intervalCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(wait, clock, intervalCts.Token);
        if (wakeUp is null)
        {
            await delay.ConfigureAwait(false);
            return;
        }

        var woken = wakeUp(intervalCts.Token);
        await Task.WhenAny(delay, woken).ConfigureAwait(false);
        await intervalCts.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
