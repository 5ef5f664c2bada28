using System.Net.Sockets;
using Montage.Providers.Abstractions;
using Polly;
using Polly.Retry;

namespace Montage.Providers.Http;

/// <summary>
/// Runs provider HTTP attempts under exponential backoff with jitter that honours Retry-After, a per-attempt deadline,
/// and the submit rule: a request that may have reached the server is never sent again.
/// </summary>
internal sealed class ProviderCallExecutor
{
    private readonly ProviderRetryOptions options;
    private readonly TimeProvider timeProvider;

    public ProviderCallExecutor(ProviderRetryOptions options, TimeProvider timeProvider)
    {
        this.options = options;
        this.timeProvider = timeProvider;
    }

    public async Task<T> ExecuteAsync<T>(
        CallKind kind,
        Func<CancellationToken, Task<Attempt<T>>> attempt,
        CancellationToken cancellationToken,
        TimeSpan? attemptTimeout = null)
    {
        var timeout = attemptTimeout ?? options.AttemptTimeout;
        var result = await BuildPipeline<T>().ExecuteAsync(
            async token => await RunOneAsync(kind, attempt, timeout, token).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);

        return result.Error is { } error ? throw new ProviderException(error) : result.Value!;
    }

    private async Task<Attempt<T>> RunOneAsync<T>(
        CallKind kind,
        Func<CancellationToken, Task<Attempt<T>>> attempt,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptCts.CancelAfter(timeout);
        try
        {
            return await attempt(attemptCts.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (NeverReachedServer(e))
        {
            return Attempt<T>.Fail(new ProviderError(ProviderErrorKind.Transient, "connect_failed", "Could not connect to the provider."), retry: true);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            if (kind == CallKind.Submit)
            {
                throw new ProviderException(OutcomeUnknown("The submit was cancelled after it may have reached the provider."), e);
            }

            throw;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            var timedOut = e is OperationCanceledException;
            return kind == CallKind.Submit
                ? Attempt<T>.Fail(OutcomeUnknown(timedOut
                    ? "The submit timed out after it may have reached the provider."
                    : "The connection failed after the submit may have reached the provider."), retry: false)
                : Attempt<T>.Fail(new ProviderError(ProviderErrorKind.Transient, timedOut ? "timeout" : "network_error",
                    timedOut ? "The provider did not answer in time." : "The connection to the provider failed."), retry: true);
        }
    }

    private static ProviderError OutcomeUnknown(string message) => new(ProviderErrorKind.OutcomeUnknown, "outcome_unknown", message);

    /// <summary>True only for failures that happen before a single request byte can have been written.</summary>
    private static bool NeverReachedServer(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError
        || (e.HttpRequestError == HttpRequestError.Unknown && e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused });

    private ResiliencePipeline<Attempt<T>> BuildPipeline<T>()
    {
        var builder = new ResiliencePipelineBuilder<Attempt<T>> { TimeProvider = timeProvider };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<Attempt<T>>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result.Retry),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result.Error?.RetryAfter is { } retryAfter
                        ? (TimeSpan?)(retryAfter < options.MaxRetryAfter ? retryAfter : options.MaxRetryAfter)
                        : null),
            });
        }

        return builder.Build();
    }
}
