using Montage.Providers.Http;

namespace Montage.Providers.Fal;

/// <summary>fal.ai settings, bound from <c>Providers:Fal</c>; the key comes from <c>FAL_KEY</c> or <c>FAL_KEY_ID</c> + <c>FAL_KEY_SECRET</c>.</summary>
public sealed record FalOptions
{
    public const string SectionName = "Providers:Fal";

    public Uri QueueUrl { get; set; } = new("https://queue.fal.run");

    public Uri RestUrl { get; set; } = new("https://rest.fal.ai");

    public Uri JwksUrl { get; set; } = new("https://rest.fal.ai/.well-known/jwks.json");

    /// <summary>The API key (<c>Authorization: Key ...</c>). Never logged: <see cref="ToString"/> redacts it.</summary>
    public string? Key { get; set; }

    /// <summary>How long webhook signing keys are trusted before they are fetched again; fal allows at most 24 h.</summary>
    public TimeSpan JwksCacheDuration { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Minimum spacing of forced JWKS refreshes (unknown key), so forged webhooks cannot hammer fal.</summary>
    public TimeSpan JwksMinRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How far a webhook timestamp may be from our clock.</summary>
    public TimeSpan WebhookTimestampTolerance { get; set; } = TimeSpan.FromSeconds(300);

    public ProviderRetryOptions Retry { get; set; } = new();

    public override string ToString() =>
        $"FalOptions {{ QueueUrl = {QueueUrl}, RestUrl = {RestUrl}, JwksUrl = {JwksUrl}, Key = {(string.IsNullOrEmpty(Key) ? "<missing>" : "<redacted>")} }}";

    internal static readonly TimeSpan MaxJwksCacheDuration = TimeSpan.FromHours(24);
}
