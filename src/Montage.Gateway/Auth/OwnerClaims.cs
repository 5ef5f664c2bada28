using System.Security.Claims;

namespace Montage.Gateway.Auth;

/// <summary>The owner an API key acts for: every job and asset is scoped by it.</summary>
public static class OwnerClaims
{
    /// <summary>The claim the API-key authentication puts on the principal.</summary>
    public const string Type = "montage:owner";

    /// <summary>The authenticated caller's owner; only call behind an authorization requirement.</summary>
    public static string GetOwner(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirst(Type)?.Value ?? throw new InvalidOperationException("The request is not authenticated with an API key.");
    }
}
