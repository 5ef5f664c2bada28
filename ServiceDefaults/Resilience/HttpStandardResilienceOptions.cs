using System.ComponentModel.DataAnnotations;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Montage.ServiceDefaults.Resilience;

/// <summary>
/// The standard resilience pipeline of an HttpClient, shaped like
/// Microsoft.Extensions.Http.Resilience's options (which do not restore here), outermost first:
/// total request timeout, retry, circuit breaker, per-attempt timeout.
/// </summary>
public sealed class HttpStandardResilienceOptions
{
    /// <summary>Bounds the whole call, all retries and their delays included.</summary>
    public HttpTimeoutStrategyOptions TotalRequestTimeout { get; set; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public HttpRetryStrategyOptions Retry { get; set; } = new();

    public HttpCircuitBreakerStrategyOptions CircuitBreaker { get; set; } = new();

    /// <summary>Bounds one attempt; a timed-out attempt counts as a transient failure.</summary>
    public HttpTimeoutStrategyOptions AttemptTimeout { get; set; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Rules Polly cannot check on its own; Polly validates each strategy's ranges when the pipeline is built.</summary>
    public IEnumerable<string> Validate()
    {
        if (AttemptTimeout.Timeout > TotalRequestTimeout.Timeout)
        {
            yield return $"AttemptTimeout ({AttemptTimeout.Timeout}) must not exceed TotalRequestTimeout ({TotalRequestTimeout.Timeout}).";
        }

        if (CircuitBreaker.SamplingDuration < 2 * AttemptTimeout.Timeout)
        {
            yield return $"CircuitBreaker.SamplingDuration ({CircuitBreaker.SamplingDuration}) must be at least twice AttemptTimeout ({AttemptTimeout.Timeout}), or timed-out attempts never count.";
        }
    }
}

public sealed class HttpTimeoutStrategyOptions : TimeoutStrategyOptions;

/// <summary>
/// Exponential backoff with jitter, honouring <c>Retry-After</c>. Only idempotent methods are
/// retried unless <see cref="RetryAllMethods"/> is set: a POST that timed out may have been
/// processed (a paid provider submit must never be repeated blindly).
/// </summary>
public sealed class HttpRetryStrategyOptions : RetryStrategyOptions<HttpResponseMessage>
{
    public HttpRetryStrategyOptions()
    {
        MaxRetryAttempts = 3;
        BackoffType = DelayBackoffType.Exponential;
        UseJitter = true;
        Delay = TimeSpan.FromSeconds(2);
        ShouldHandle = static args => ValueTask.FromResult(HttpRetryDecision.IsTransient(args.Outcome));
    }

    /// <summary>Retry POST and PATCH too. Only for endpoints that are idempotent by other means (e.g. an idempotency key).</summary>
    public bool RetryAllMethods { get; set; }

    /// <summary>Wait as long as the server's <c>Retry-After</c> says instead of the computed backoff.</summary>
    public bool ShouldRetryAfterHeader { get; set; } = true;

    /// <summary>
    /// A <c>Retry-After</c> longer than this is not waited for: the response goes back to the
    /// caller, who can reschedule instead of holding a request open.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryAfterLimit { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class HttpCircuitBreakerStrategyOptions : CircuitBreakerStrategyOptions<HttpResponseMessage>
{
    public HttpCircuitBreakerStrategyOptions()
    {
        ShouldHandle = static args => ValueTask.FromResult(HttpRetryDecision.IsTransient(args.Outcome));
    }
}
