using Montage.Providers.Http;

namespace Montage.Providers.Kie;

/// <summary>KIE.ai settings, bound from <c>Providers:Kie</c>; the key comes from <c>KIE_API_KEY</c>.</summary>
public sealed record KieOptions
{
    public const string SectionName = "Providers:Kie";

    public Uri BaseUrl { get; set; } = new("https://api.kie.ai");

    public Uri UploadUrl { get; set; } = new("https://kieai.redpandaai.co");

    /// <summary>Bearer key. Never logged: <see cref="ToString"/> redacts it.</summary>
    public string? ApiKey { get; set; }

    /// <summary>When set, callbacks must carry a valid HMAC signature; they are confirmed by recordInfo either way.</summary>
    public string? WebhookHmacKey { get; set; }

    /// <summary>How far a callback timestamp may be from our clock (signed callbacks only).</summary>
    public TimeSpan WebhookTimestampTolerance { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>KIE documents 24 h in one place and 3 days in another: assume the shorter and re-upload after.</summary>
    public TimeSpan UploadLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Folder name KIE stores our uploads under.</summary>
    public string UploadPath { get; set; } = "montage";

    public ProviderRetryOptions Retry { get; set; } = new();

    public override string ToString() =>
        $"KieOptions {{ BaseUrl = {BaseUrl}, UploadUrl = {UploadUrl}, ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "<missing>" : "<redacted>")}, " +
        $"WebhookHmacKey = {(string.IsNullOrEmpty(WebhookHmacKey) ? "<none>" : "<redacted>")} }}";
}
