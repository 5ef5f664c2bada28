using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Montage.Providers.Abstractions;
using Montage.Providers.Http;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Montage.Providers.Fal;

/// <summary>
/// Verifies fal webhooks: Ed25519 over <c>request_id \n user_id \n timestamp \n hex(sha256(body))</c> with any key of
/// the JWKS, a fresh timestamp, and a body naming the same request.
/// </summary>
public sealed class FalWebhookVerifier
{
    public const string RequestIdHeader = "X-Fal-Webhook-Request-Id";
    public const string UserIdHeader = "X-Fal-Webhook-User-Id";
    public const string TimestampHeader = "X-Fal-Webhook-Timestamp";
    public const string SignatureHeader = "X-Fal-Webhook-Signature";

    private readonly FalJwksCache jwks;
    private readonly FalOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<FalWebhookVerifier> logger;

    public FalWebhookVerifier(FalJwksCache jwks, IOptions<FalOptions> options, ILogger<FalWebhookVerifier> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.jwks = jwks;
        this.options = options.Value;
        this.logger = logger;
        this.timeProvider = timeProvider ?? TimeProvider.System;
    }

    public async Task<WebhookVerification> VerifyAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var requestId = request.GetHeader(RequestIdHeader);
        var userId = request.GetHeader(UserIdHeader);
        var timestamp = request.GetHeader(TimestampHeader);
        var signatureHex = request.GetHeader(SignatureHeader);
        if (string.IsNullOrEmpty(requestId) || userId is null || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatureHex))
        {
            return Refuse("missing signature headers");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var unixSeconds)
            || Math.Abs(timeProvider.GetUtcNow().ToUnixTimeSeconds() - unixSeconds) > options.WebhookTimestampTolerance.TotalSeconds)
        {
            return Refuse("timestamp missing or outside the tolerance");
        }

        byte[] signature;
        try
        {
            signature = Convert.FromHexString(signatureHex);
        }
        catch (FormatException)
        {
            return Refuse("signature is not hex");
        }

        var message = Encoding.UTF8.GetBytes(
            $"{requestId}\n{userId}\n{timestamp}\n{Convert.ToHexStringLower(SHA256.HashData(request.Body.Span))}");

        if (!VerifiesWithAny(await jwks.GetKeysAsync(cancellationToken).ConfigureAwait(false), message, signature))
        {
            // fal may have rotated its keys since we cached them.
            var (keys, refreshed) = await jwks.RefreshAsync(cancellationToken).ConfigureAwait(false);
            if (!refreshed || !VerifiesWithAny(keys, message, signature))
            {
                return Refuse("signature does not verify with any fal.ai key");
            }
        }

        return Outcome(requestId, request.Body);
    }

    private WebhookVerification Outcome(string requestId, ReadOnlyMemory<byte> body)
    {
        if (JsonText.TryParse(Encoding.UTF8.GetString(body.Span)) is not JsonObject json)
        {
            return Refuse("body is not a JSON object");
        }

        var bodyRequestId = JsonText.Text(json["request_id"]);
        if (bodyRequestId is not null && bodyRequestId != requestId)
        {
            return Refuse("body names another request than the signed headers");
        }

        var payload = json["payload"]?.DeepClone();
        if (JsonText.String(json["status"]) == "OK")
        {
            // With payload_error the job still succeeded, only the output did not fit in the webhook: fetch the result.
            return WebhookVerification.Verified(requestId, new WebhookOutcome(true, json["payload_error"] is null ? payload : null, null));
        }

        var detail = payload is JsonObject p && p["detail"] is { } d ? d : payload;
        var error = FalErrors.FromPayload(detail, JsonText.String((payload as JsonObject)?["error_type"]),
            JsonText.Text(json["error"]) ?? JsonText.Text(json["payload_error"]));
        return WebhookVerification.Verified(requestId, new WebhookOutcome(false, payload, error));
    }

    private static bool VerifiesWithAny(IReadOnlyList<Ed25519PublicKeyParameters> keys, byte[] message, byte[] signature)
    {
        if (signature.Length != Ed25519PublicKeyParameters.KeySize * 2)
        {
            return false;
        }

        foreach (var key in keys)
        {
            var verifier = new Ed25519Signer();
            verifier.Init(false, key);
            verifier.BlockUpdate(message, 0, message.Length);
            if (verifier.VerifySignature(signature))
            {
                return true;
            }
        }

        return false;
    }

    private WebhookVerification Refuse(string reason)
    {
        FalLog.WebhookRefused(logger, reason);
        return WebhookVerification.Refused(reason);
    }
}
