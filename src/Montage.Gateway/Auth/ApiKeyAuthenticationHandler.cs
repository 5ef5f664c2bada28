using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Montage.Gateway.Errors;

namespace Montage.Gateway.Auth;

/// <summary>
/// <c>Authorization: Bearer mk_...</c>: the bootstrap admin key (compared in constant time) or a stored key, whose
/// owner becomes the <see cref="OwnerClaims.Type"/> claim. Failures are problems, never an empty 401.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyStore store,
    IOptions<GatewayOptions> gatewayOptions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    private const string FailureItem = "montage:auth_failure";
    private readonly byte[]? _adminHash = string.IsNullOrEmpty(gatewayOptions.Value.AdminKey) ? null : ApiKeys.Hash(gatewayOptions.Value.AdminKey);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Fail("The Authorization header must be 'Bearer mk_...'.");
        }

        var key = header["Bearer ".Length..].Trim();
        if (!ApiKeys.LooksValid(key))
        {
            return Fail("The API key is not valid.");
        }

        if (_adminHash is not null && CryptographicOperations.FixedTimeEquals(ApiKeys.Hash(key), _adminHash))
        {
            return Success([new(OwnerClaims.Type, "admin"), new(GatewayClaims.KeyId, "admin"), new(GatewayClaims.Admin, "true")]);
        }

        var record = await store.FindAsync(key, Context.RequestAborted).ConfigureAwait(false);
        if (record is null)
        {
            return Fail("The API key is not valid.");
        }

        var claims = new List<Claim>
        {
            new(OwnerClaims.Type, record.Owner),
            new(GatewayClaims.KeyId, record.Id.ToString("N")),
        };
        if (record.RequestsPerMinute is { } limit)
        {
            claims.Add(new(GatewayClaims.RequestsPerMinute, limit.ToString(CultureInfo.InvariantCulture)));
        }

        return Success(claims);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return Context.Items.TryGetValue(FailureItem, out var reason)
            ? Problems.WriteAsync(Context, 401, "invalid_api_key", "The API key was not accepted.", reason as string)
            : Problems.WriteAsync(Context, 401, "unauthenticated", "An API key is required.", "Send Authorization: Bearer mk_....");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.WriteAsync(Context, 403, "forbidden", "This API key may not do that.");

    private AuthenticateResult Fail(string reason)
    {
        Context.Items[FailureItem] = reason;
        return AuthenticateResult.Fail(reason);
    }

    private AuthenticateResult Success(IEnumerable<Claim> claims)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, GatewayClaims.Scheme));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, GatewayClaims.Scheme));
    }
}
