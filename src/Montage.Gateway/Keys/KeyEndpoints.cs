using Montage.Gateway.Auth;
using Montage.Gateway.Errors;
using Montage.Gateway.Json;
using Microsoft.Extensions.Options;

namespace Montage.Gateway.Keys;

/// <summary><c>POST /v1/keys</c>: the bootstrap admin key creates API keys, each acting for one owner.</summary>
internal static class KeyEndpoints
{
    public static void MapKeyEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/keys", CreateAsync)
            .RequireAuthorization(GatewayClaims.AdminPolicy)
            .Accepts<CreateKeyRequest>("application/json")
            .Produces<CreatedKey>(StatusCodes.Status201Created)
            .WithTags("Keys")
            .WithSummary("Creates an API key for an owner (admin key only). The key is shown once.");
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
