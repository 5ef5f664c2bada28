using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;
using Montage.Gateway.Errors;
using Montage.Gateway.Json;
using Montage.Providers.Abstractions;

namespace Montage.Gateway.Webhooks;

/// <summary>
/// <c>POST /webhooks/fal</c> and <c>/webhooks/kie</c>: verified by the provider's own rules (fal: Ed25519 signature
/// over the body with a fresh timestamp; KIE: optional HMAC and a confirming status query), handed to JobTracking,
/// and answered 2xx only once JobTracking has stored it. Forged or stale webhooks get 401, exact replays 400, and a
/// JobTracking outage 503 so that the provider delivers again. The worker puts its job id in the URL (<c>?job=</c>): it
/// is passed on as a hint, which JobTracking uses only for a job that never learned its request id (submit outcome
/// unknown); the signature does not cover the URL, so the worker confirms such a request with the provider.
/// </summary>
internal static partial class ProviderWebhookEndpoints
{
    private static readonly string[] Accepted = [ProviderNames.Fal, ProviderNames.Kie];

    public static void MapProviderWebhooks(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/webhooks/{provider}", ReceiveAsync).AllowAnonymous().WithTags("Webhooks")
            .WithSummary("Provider webhooks (fal, kie): verified, then handed to JobTracking.");
    }

    private static async Task<IResult> ReceiveAsync(
        string provider, HttpContext context, IServiceProvider services, JobTrackerClient jobs, WebhookReceipts receipts,
        IOptions<GatewayOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(ProviderWebhookEndpoints));
        var aborted = context.RequestAborted;
        var registry = services.GetService<IProviderRegistry>();
        if (!Accepted.Contains(provider) || registry is null || !registry.TryGet(provider, out var receiver))
        {
            throw new ApiProblemException(404, "unknown_provider", "This gateway takes no webhooks from that provider.",
                "Webhooks are accepted for the providers configured here (fal, kie).");
        }

        var body = await BoundedBody.ReadAsync(context.Request, options.Value.MaxWebhookBodyBytes, aborted).ConfigureAwait(false);
        var headers = context.Request.Headers.Select(h => new KeyValuePair<string, string>(h.Key, h.Value.ToString())).ToList();
        var digest = WebhookReceipts.Digest(provider, headers, body);
        if (await receipts.SeenAsync(provider, digest, aborted).ConfigureAwait(false))
        {
            LogRefused(logger, provider, "replay of a delivered webhook");
            throw new ApiProblemException(400, "webhook_replayed", "This webhook was already received.");
        }

        WebhookVerification verification;
        try
        {
            verification = await receiver.VerifyWebhookAsync(new WebhookRequest(headers, body), aborted).ConfigureAwait(false);
        }
        catch (ProviderException exception)
        {
            // The provider could not be asked to confirm (KIE status query): let it deliver again later.
            LogVerificationUnavailable(logger, provider, exception.Error.Kind.ToString());
            throw new ApiProblemException(503, "verification_unavailable", "The webhook could not be verified now; deliver it again.");
        }

        if (!verification.IsVerified)
        {
            LogRefused(logger, provider, verification.RefusalReason ?? "not verified");
            throw new ApiProblemException(401, "webhook_unverified", "The webhook could not be verified.", verification.RefusalReason);
        }

        var outcome = verification.Outcome!;
        var request = new DeliverProviderEventRequest
        {
            Provider = provider,
            RequestId = verification.RequestId!,
            Outcome = outcome.Succeeded ? "succeeded" : "failed",
            PayloadJson = Payload(outcome),
            ReceivedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            JobIdHint = JobHint(context.Request),
        };
        var delivered = await jobs.DeliverProviderEventAsync(request, aborted).ConfigureAwait(false);
        await receipts.RecordAsync(provider, digest, request.RequestId, CancellationToken.None).ConfigureAwait(false);
        LogDelivered(logger, provider, request.RequestId, request.Outcome, delivered.Matched, delivered.MatchedByHint, delivered.Duplicate);
        return TypedResults.Json(new JsonObject { ["received"] = true }, GatewayJson.Options);
    }

    /// <summary>A job id is a GUID: anything else (or longer) is not a hint worth passing on.</summary>
    private static string JobHint(HttpRequest request) =>
        request.Query["job"] is { Count: 1 } values && Guid.TryParse(values[0], out var jobId) ? jobId.ToString() : "";

    private static string Payload(WebhookOutcome outcome)
    {
        if (outcome.Succeeded || outcome.Error is null)
        {
            return outcome.Payload?.ToJsonString() ?? "{}";
        }

        var payload = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["kind"] = outcome.Error.Kind.ToString(),
                ["code"] = outcome.Error.Code,
                ["message"] = outcome.Error.Message,
                ["retryable"] = outcome.Error.IsRetryable,
            },
            ["payload"] = outcome.Payload?.DeepClone(),
        };
        return payload.ToJsonString();
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Refused a {Provider} webhook: {Reason}.")]
    private static partial void LogRefused(ILogger logger, string provider, string reason);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Could not verify a {Provider} webhook now ({Kind}); asked for a redelivery.")]
    private static partial void LogVerificationUnavailable(ILogger logger, string provider, string kind);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "{Provider} webhook for request {RequestId} ({Outcome}) handed to JobTracking (matched {Matched}, by job hint {ByHint}, duplicate {Duplicate}).")]
    private static partial void LogDelivered(ILogger logger, string provider, string requestId, string outcome, bool matched, bool byHint, bool duplicate);
}
