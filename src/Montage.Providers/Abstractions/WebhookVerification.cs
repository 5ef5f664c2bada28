using System.Text.Json.Nodes;

namespace Montage.Providers.Abstractions;

/// <summary>The outcome a verified webhook announces.</summary>
/// <param name="Succeeded">True when the job produced its output.</param>
/// <param name="Payload">The model output (fal) or the confirmed task record (KIE) when succeeded; error detail otherwise.</param>
/// <param name="Error">The classified failure when not succeeded.</param>
public sealed record WebhookOutcome(bool Succeeded, JsonNode? Payload, ProviderError? Error);

/// <summary>Either a verified webhook (request id and outcome) or a refusal with a reason safe to log.</summary>
public sealed record WebhookVerification
{
    private WebhookVerification()
    {
    }

    public bool IsVerified { get; private init; }

    public string? RequestId { get; private init; }

    public WebhookOutcome? Outcome { get; private init; }

    /// <summary>Why the webhook was refused; never contains secrets.</summary>
    public string? RefusalReason { get; private init; }

    public static WebhookVerification Verified(string requestId, WebhookOutcome outcome) =>
        new() { IsVerified = true, RequestId = requestId, Outcome = outcome };

    public static WebhookVerification Refused(string reason) => new() { IsVerified = false, RefusalReason = reason };
}
