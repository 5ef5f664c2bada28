using Montage.Gateway.Auth;
using Montage.Gateway.Errors;
using Montage.Gateway.Json;
using Microsoft.Extensions.Options;

namespace Montage.Gateway.Keys;

/// <summary>
/// <c>/v1/keys</c>, for the bootstrap admin key only: create API keys (each acting for one owner), list them (never a
/// secret) and revoke them.
/// </summary>
internal static class KeyEndpoints
{
    private static readonly HashSet<string> ListParameters = new(StringComparer.Ordinal) { "owner", "limit", "cursor" };

    public static void MapKeyEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/keys", CreateAsync)
            .RequireAuthorization(GatewayClaims.AdminPolicy)
            .Accepts<CreateKeyRequest>("application/json")
            .Produces<CreatedKey>(StatusCodes.Status201Created)
            .WithTags("Keys")
            .WithSummary("Creates an API key for an owner (admin key only). The key is shown once.");
        routes.MapGet("/v1/keys", ListAsync)
            .RequireAuthorization(GatewayClaims.AdminPolicy)
            .Produces<KeyList>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithTags("Keys")
            .WithSummary("Lists API keys in creation order (admin key only), without secrets; ?owner= filters, ?limit= (1-500) and ?cursor= page.");
        routes.MapDelete("/v1/keys/{id}", RevokeAsync)
            .RequireAuthorization(GatewayClaims.AdminPolicy)
            .Produces<KeyView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithTags("Keys")
            .WithSummary("Revokes an API key (admin key only): it answers 401 from now on. Revoking again changes nothing.");
    }

    private static async Task<IResult> ListAsync(HttpContext context, ApiKeyStore store, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var errors = new Dictionary<string, string[]>();
        foreach (var name in query.Keys.Where(k => !ListParameters.Contains(k)))
        {
            errors[name] = [$"Unknown query parameter; use {string.Join(", ", ListParameters)}."];
        }

        var limit = 100;
        if (query.ContainsKey("limit") && (!int.TryParse(query["limit"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 500))
        {
            errors["limit"] = ["'limit' is an integer between 1 and 500."];
        }

        Guid? after = null;
        if (query["cursor"].ToString() is { Length: > 0 } cursor)
        {
            if (Guid.TryParseExact(cursor, "N", out var parsed))
            {
                after = parsed;
            }
            else
            {
                errors["cursor"] = ["Use next_cursor from a previous page."];
            }
        }

        if (errors.Count > 0)
        {
            throw new ApiProblemException(400, "invalid_query", "The query has invalid parameters.", null, errors);
        }

        var owner = query["owner"].ToString();
        var keys = await store.ListAsync(owner.Length == 0 ? null : owner, after, limit + 1, cancellationToken).ConfigureAwait(false);
        var page = keys.Take(limit).Select(KeyView.Of).ToList();
        return TypedResults.Json(new KeyList("list", page, keys.Count > limit ? page[^1].Id : null), GatewayJson.Options);
    }

    private static async Task<IResult> RevokeAsync(string id, ApiKeyStore store, CancellationToken cancellationToken)
    {
        var revoked = Guid.TryParseExact(id, "N", out var keyId) || Guid.TryParse(id, out keyId)
            ? await store.RevokeAsync(keyId, cancellationToken).ConfigureAwait(false)
            : null;
        return revoked is null
            ? throw new ApiProblemException(404, "key_not_found", "There is no such API key.", $"No API key '{(id.Length > 64 ? id[..64] + "..." : id)}'.")
            : TypedResults.Json(KeyView.Of(revoked), GatewayJson.Options);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, ApiKeyStore store, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var body = await GatewayJson.ReadBodyAsync<CreateKeyRequest>(request, options.Value.MaxJsonBodyBytes, cancellationToken).ConfigureAwait(false);
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.Owner))
        {
            errors["owner"] = ["'owner' is required."];
        }
        else if (body.Owner.Length > 128 || body.Owner.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            errors["owner"] = ["'owner' is at most 128 characters without spaces."];
        }

        if (body.Name is { Length: > 200 })
        {
            errors["name"] = ["'name' is at most 200 characters."];
        }

        if (body.RequestsPerMinute is < 1 or > 1_000_000)
        {
            errors["requests_per_minute"] = ["'requests_per_minute' is between 1 and 1000000."];
        }

        if (errors.Count > 0)
        {
            throw new ApiProblemException(422, "validation_failed", "The request has invalid fields.", null, errors);
        }

        var (record, key) = await store.CreateAsync(body.Owner!, body.Name ?? "", body.RequestsPerMinute, cancellationToken).ConfigureAwait(false);
        var created = new CreatedKey(record.Id.ToString("N"), key, record.Owner, record.Name, record.RequestsPerMinute, record.CreatedAt);
        return TypedResults.Created($"/v1/keys/{created.Id}", created);
    }
}

/// <summary>Body of <c>POST /v1/keys</c>.</summary>
public sealed record CreateKeyRequest(string? Owner, string? Name, int? RequestsPerMinute);

/// <summary>A created key; <see cref="Key"/> is never shown again.</summary>
public sealed record CreatedKey(string Id, string Key, string Owner, string Name, int? RequestsPerMinute, DateTimeOffset CreatedAt);

/// <summary>An API key as listed: its id, label (the first characters) and settings, never the key.</summary>
public sealed record KeyView(string Id, string Label, string Owner, string Name, int? RequestsPerMinute, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public string Object => "api_key";

    public static KeyView Of(ListedApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new(key.Id.ToString("N"), key.Label, key.Owner, key.Name, key.RequestsPerMinute, key.CreatedAt, key.RevokedAt);
    }
}

/// <summary>A page of <c>GET /v1/keys</c>.</summary>
public sealed record KeyList(string Object, IReadOnlyList<KeyView> Data, string? NextCursor);
