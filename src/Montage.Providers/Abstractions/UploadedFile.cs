namespace Montage.Providers.Abstractions;

/// <summary>An input file stored where the provider can read it.</summary>
/// <param name="Url">The URL to pass in a model input.</param>
/// <param name="ExpiresAt">When the provider deletes it (re-upload after that); null when it does not expire.</param>
public sealed record UploadedFile(Uri Url, DateTimeOffset? ExpiresAt);
