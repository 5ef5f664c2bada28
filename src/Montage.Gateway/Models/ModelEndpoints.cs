using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Montage.Gateway.Errors;
using Montage.Gateway.Jobs;
using Montage.Gateway.Json;
using Montage.Providers.Catalog;

namespace Montage.Gateway.Models;

/// <summary><c>GET /v1/models</c>, <c>GET /v1/models/{id}</c> and <c>POST /v1/estimates</c>, from the model catalog.</summary>
internal static class ModelEndpoints
{
    public static void MapModelEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/models", List).WithTags("Models").Produces<JsonObject>()
            .WithSummary("The model catalog; filters kind, provider, available.");
        // Model ids contain slashes (fal-ai/kling-video/v2.1/...), hence the catch-all.
        routes.MapGet("/v1/models/{**id}", Get).WithTags("Models").Produces<JsonObject>()
            .WithSummary("One model with its input fields, price rule and capabilities.");
        routes.MapPost("/v1/estimates", EstimateAsync).WithTags("Models").Accepts<EstimateRequest>("application/json").Produces<JsonObject>()
            .WithSummary("What a request would cost, validating it as a job submit would.");
    }

    private static IResult List(HttpContext context, ModelCatalog catalog)
    {
        var query = context.Request.Query;
        var unknown = query.Keys.Where(k => k is not ("kind" or "provider" or "available")).ToList();
        if (unknown.Count > 0)
        {
            throw new ApiProblemException(400, "invalid_query", "The query has invalid parameters.", null,
                unknown.ToDictionary(k => k, _ => new[] { "Unknown query parameter; use kind, provider or available." }));
        }

        var kind = query["kind"].ToString();
        var provider = query["provider"].ToString();
        var available = query["available"].ToString();
        if (available.Length > 0 && available is not ("true" or "false"))
        {
            throw new ApiProblemException(400, "invalid_query", "The query has invalid parameters.", null,
                new Dictionary<string, string[]> { ["available"] = ["'available' is true or false."] });
        }

        var models = catalog.Models
            .Where(m => kind.Length == 0 || m.Kind == kind)
            .Where(m => provider.Length == 0 || m.Provider == provider)
            .Where(m => available.Length == 0 || m.Available == (available == "true"))
            .Select(m => (JsonNode?)ModelJson.Summary(m))
            .ToArray();
        return TypedResults.Json(new JsonObject { ["object"] = "list", ["data"] = new JsonArray(models) }, GatewayJson.Options);
    }

    private static IResult Get(string id, ModelCatalog catalog) =>
        catalog.TryGet(id, out var model)
            ? TypedResults.Json(ModelJson.Detail(model), GatewayJson.Options)
            : throw new ApiProblemException(404, "model_not_found", "There is no such model.", $"'{id}' is not in the catalog; see GET /v1/models.");

    private static async Task<IResult> EstimateAsync(HttpRequest request, ModelCatalog catalog, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var body = await GatewayJson.ReadBodyAsync<EstimateRequest>(request, options.Value.MaxJsonBodyBytes, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(body.Model))
        {
            throw new ApiProblemException(422, "validation_failed", "The request has invalid fields.", null,
                new Dictionary<string, string[]> { ["model"] = ["'model' is required."] });
        }

        var result = catalog.Validate(body.Model, body.Input);
        if (!result.IsValid)
        {
            var code = result.Errors.Any(e => e.Code == ValidationCodes.UnknownModel) ? "unknown_model"
                : result.Errors.Any(e => e.Code == ValidationCodes.ModelUnavailable) ? "model_unavailable"
                : "validation_failed";
            var errors = result.Errors.GroupBy(e => e.Path == "model" ? "model" : "input." + e.Path)
                .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
            throw new ApiProblemException(422, code, "The request has invalid fields.", null, errors);
        }

        if (body.AudioDurationSeconds is <= 0 or > 36_000)
        {
            throw new ApiProblemException(422, "validation_failed", "The request has invalid fields.", null,
                new Dictionary<string, string[]> { ["audio_duration_seconds"] = ["'audio_duration_seconds' is between 0 and 36000."] });
        }

        var estimate = CostEstimator.Estimate(result.Model!, result.Normalized!, new EstimateContext(body.AudioDurationSeconds));
        var json = EstimateJson.ToJson(estimate);
        json["object"] = "estimate";
        json["model"] = result.Model!.Id;
        return TypedResults.Json(json, GatewayJson.Options);
    }
}
