namespace Montage.Gateway.Auth;

/// <summary>Claims the API-key scheme puts on the principal besides the owner.</summary>
public static class GatewayClaims
{
    /// <summary>The key's id: the unit of rate limiting.</summary>
    public const string KeyId = "montage:key_id";

    /// <summary>The key's own requests-per-minute limit, when it has one.</summary>
    public const string RequestsPerMinute = "montage:rpm";

    /// <summary>Present (value "true") on the bootstrap admin key only.</summary>
    public const string Admin = "montage:admin";

    public const string Scheme = "ApiKey";

    /// <summary>Policy: any valid API key (the default).</summary>
    public const string OwnerPolicy = "owner";

    /// <summary>Policy: the bootstrap admin key.</summary>
    public const string AdminPolicy = "admin";
}
