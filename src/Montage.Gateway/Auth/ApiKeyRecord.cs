namespace Montage.Gateway.Auth;

/// <summary>A stored API key: never the key itself, only its hash.</summary>
public sealed record ApiKeyRecord(Guid Id, string Owner, string Name, string Label, int? RequestsPerMinute, DateTimeOffset CreatedAt);

/// <summary>A stored key as the admin listing shows it: never the key or its hash.</summary>
public sealed record ListedApiKey(Guid Id, string Owner, string Name, string Label, int? RequestsPerMinute, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);
