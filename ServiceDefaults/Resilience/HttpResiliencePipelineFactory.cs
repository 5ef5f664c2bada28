using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Montage.ServiceDefaults.Resilience;

/// <summary>
/// One pipeline per named HttpClient, kept for the life of the process. Message handlers are
/// recycled every few minutes by IHttpClientFactory; the circuit breaker's state must outlive them.
/// </summary>
public sealed class HttpResiliencePipelineFactory(
    IOptionsMonitor<HttpStandardResilienceOptions> options,
    ILoggerFactory loggerFactory,
    TimeProvider timeProvider)
{
    internal static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("Montage.Http.Request");

    private readonly ConcurrentDictionary<string, Lazy<ResiliencePipeline<HttpResponseMessage>>> _pipelines = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger("Montage.ServiceDefaults.Resilience");

    public ResiliencePipeline<HttpResponseMessage> GetPipeline(string clientName) =>
        _pipelines.GetOrAdd(clientName, name => new Lazy<ResiliencePipeline<HttpResponseMessage>>(() => Build(name, options.Get(name)))).Value;

    private ResiliencePipeline<HttpResponseMessage> Build(string clientName, HttpStandardResilienceOptions settings)
    {
        var problems = settings.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(clientName, typeof(HttpStandardResilienceOptions), problems);
        }

        Validator.ValidateObject(settings.Retry, new ValidationContext(settings.Retry), validateAllProperties: true);

        return new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider, Name = clientName }
            .AddTimeout(settings.TotalRequestTimeout)
            .AddRetry(RetryFor(clientName, settings.Retry))
            .AddCircuitBreaker(CircuitBreakerFor(clientName, settings.CircuitBreaker))
            .AddTimeout(settings.AttemptTimeout)
            .Build();
    }

    /// <summary>
    /// Wraps the configured predicate with what must hold whatever the configuration: the method
    /// may be repeated, and a Retry-After beyond the limit is handed back to the caller.
    /// </summary>
    private RetryStrategyOptions<HttpResponseMessage> RetryFor(string clientName, HttpRetryStrategyOptions retry)
    {
        var shouldHandle = retry.ShouldHandle;
        var onRetry = retry.OnRetry;
        return new RetryStrategyOptions<HttpResponseMessage>
        {
            Name = retry.Name,
            MaxRetryAttempts = retry.MaxRetryAttempts,
            BackoffType = retry.BackoffType,
            UseJitter = retry.UseJitter,
            Delay = retry.Delay,
            MaxDelay = retry.MaxDelay,
            Randomizer = retry.Randomizer,
            ShouldHandle = async args =>
            {
                var request = args.Context.Properties.GetValue(RequestKey, null!);
                if (request is null || !(retry.RetryAllMethods || HttpRetryDecision.IsIdempotent(request.Method)))
                {
                    return false;
                }

                if (retry.ShouldRetryAfterHeader && args.Outcome.Result is { } response
                    && RetryAfter.GetDelay(response, timeProvider.GetUtcNow()) > retry.RetryAfterLimit)
                {
                    return false;
                }

                return await shouldHandle(args).ConfigureAwait(false);
            },
            DelayGenerator = async args =>
            {
                if (retry.ShouldRetryAfterHeader && args.Outcome.Result is { } response
                    && RetryAfter.GetDelay(response, timeProvider.GetUtcNow()) is { } serverDelay)
                {
                    return serverDelay;
                }

                return retry.DelayGenerator is null ? null : await retry.DelayGenerator(args).ConfigureAwait(false);
            },
            OnRetry = async args =>
            {
                var request = args.Context.Properties.GetValue(RequestKey, null!);
                ResilienceLog.Retrying(
                    _logger,
                    clientName,
                    request?.Method.Method ?? "?",
                    request?.RequestUri?.Authority ?? "?",
                    args.AttemptNumber + 1,
                    args.RetryDelay.TotalMilliseconds,
                    Describe(args.Outcome));
                if (onRetry is not null)
                {
                    await onRetry(args).ConfigureAwait(false);
                }
            },
        };
    }

    private CircuitBreakerStrategyOptions<HttpResponseMessage> CircuitBreakerFor(string clientName, HttpCircuitBreakerStrategyOptions breaker)
    {
        var onOpened = breaker.OnOpened;
        breaker.OnOpened = async args =>
        {
            ResilienceLog.CircuitOpened(_logger, clientName, args.BreakDuration.TotalMilliseconds, Describe(args.Outcome));
            if (onOpened is not null)
            {
                await onOpened(args).ConfigureAwait(false);
            }
        };
        return breaker;
    }

    // Status or exception type only: messages and URLs can carry signed query strings.
    private static string Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is { } exception ? exception.GetType().Name : $"HTTP {(int)outcome.Result!.StatusCode}";
}
