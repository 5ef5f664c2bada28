using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Montage.Providers.Abstractions;
using Montage.Providers.Http;

namespace Montage.Providers.Kie;

/// <summary>
/// KIE callbacks: HMAC-SHA256 over <c>taskId + "." + timestamp</c> when a key is configured. The signature does not
/// cover the body, so the outcome is always taken from recordInfo, never from the callback itself.
/// </summary>
internal sealed class KieCallbackVerifier
{
    public const string TimestampHeader = "X-Webhook-Timestamp";
    public const string SignatureHeader = "X-Webhook-Signature";

    private readonly KieOptions options;
    private readonly TimeProvider timeProvider;
    private readonly Func<string, CancellationToken, Task<KieTaskRecord>> getRecord;
    private readonly ILogger logger;

    public KieCallbackVerifier(KieOptions options, TimeProvider timeProvider, Func<string, CancellationToken, Task<KieTaskRecord>> getRecord, ILogger logger)
    {
        this.options = options;
        this.timeProvider = timeProvider;
        this.getRecord = getRecord;
        this.logger = logger;
    }

    public async Task<WebhookVerification> VerifyAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var json = JsonText.TryParse(Encoding.UTF8.GetString(request.Body.Span)) as JsonObject;
        var taskId = JsonText.Text((json?["data"] as JsonObject)?["taskId"]);
        if (string.IsNullOrEmpty(taskId))
        {
            return Refuse("callback names no taskId");
        }

        if (!string.IsNullOrEmpty(options.WebhookHmacKey) && SignatureProblem(request, taskId) is { } problem)
        {
            return Refuse(problem);
        }

        KieTaskRecord record;
        try
        {
            record = await getRecord(taskId, cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException e) when (e.Error.Kind == ProviderErrorKind.NotFound)
        {
            return Refuse("recordInfo does not know the task");
        }

        return record.State switch
        {
            "success" => WebhookVerification.Verified(taskId, new WebhookOutcome(true, record.Raw.DeepClone(), null)),
            "fail" => WebhookVerification.Verified(taskId, new WebhookOutcome(false, record.Raw.DeepClone(), record.Failure())),
            _ => Refuse($"recordInfo does not confirm the callback: the task is still {record.State ?? "pending"}"),
        };
    }

    private string? SignatureProblem(WebhookRequest request, string taskId)
    {
        var timestamp = request.GetHeader(TimestampHeader);
        var signature = request.GetHeader(SignatureHeader);
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            return "missing signature headers";
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return "timestamp is not a number";
        }

        // Seconds per the documentation; milliseconds tolerated, as KIE reports other times in ms.
        var seconds = value > 100_000_000_000 ? value / 1000 : value;
        if (Math.Abs(timeProvider.GetUtcNow().ToUnixTimeSeconds() - seconds) > options.WebhookTimestampTolerance.TotalSeconds)
        {
            return "timestamp outside the tolerance";
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.WebhookHmacKey!), Encoding.UTF8.GetBytes($"{taskId}.{timestamp}"));
        byte[] given;
        try
        {
            given = Convert.FromBase64String(signature.Trim());
        }
        catch (FormatException)
        {
            return "signature is not base64";
        }

        return CryptographicOperations.FixedTimeEquals(expected, given) ? null : "signature does not verify";
    }

    private WebhookVerification Refuse(string reason)
    {
        KieLog.CallbackRefused(logger, reason);
        return WebhookVerification.Refused(reason);
    }
}
