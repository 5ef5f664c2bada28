using Microsoft.Extensions.Options;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;
using Montage.Gateway.Callbacks;
using Montage.Gateway.Errors;
using Montage.Gateway.Json;
using Montage.Gateway.Safety;
using Montage.Grpc;
using Montage.Providers.Catalog;

namespace Montage.Gateway.Jobs;

/// <summary>
/// A creating POST: read the one request shape, validate it against the catalog (every field error at once), resolve
/// media references to the owner's assets, estimate, submit to JobTracker, and track the callback if one was given.
/// </summary>
internal sealed class SubmitJobHandler(
    ModelCatalog catalog,
    MediaInputs media,
    JobTrackerClient jobs,
    IOptions<GatewayOptions> options,
    IServiceProvider services)
{
    public const int MaxProductionIdLength = 128;
    public const int MaxCallbackUrlLength = 2048;

    public async Task<IResult> HandleAsync(string kind, HttpRequest request, string owner, CancellationToken cancellationToken)
    {
        var body = await GatewayJson.ReadBodyAsync<CreateJobRequest>(request, options.Value.MaxJsonBodyBytes, cancellationToken).ConfigureAwait(false);
        var validated = Validate(kind, body);
        var model = validated.Model!;
        var input = validated.Normalized!;
        var idempotency = request.HttpContext.Features.Get<IdempotencyClaimFeature>();
        if (await media.ResolveAsync(owner, model, input, cancellationToken).ConfigureAwait(false) && idempotency is not null)
        {
            // Imported media get new asset ids on a repeat, so JobTracking's key could not recognize it: the gateway
            // keeps its own record of this key (see IdempotencyFilter).
            await idempotency.ClaimAsync(cancellationToken).ConfigureAwait(false);
        }

        var estimate = CostEstimator.Estimate(model, input);
        var callbacks = services.GetService<IJobCallbacks>();
        if (body.CallbackUrl is { Length: > 0 } callbackUrl && callbacks is not null)
        {
            // Refuse a callback URL that can never be called before the job exists, not after it was created.
            await callbacks.ValidateAsync(callbackUrl, cancellationToken).ConfigureAwait(false);
        }

        var spec = new JobSpec
        {
            Kind = kind,
            ModelId = model.Id,
            InputJson = input.ToJsonString(),
            Owner = owner,
            IdempotencyKey = request.Headers[IdempotencyFilter.HeaderName].ToString(),
            ProductionId = body.ProductionId ?? "",
            NoCache = body.NoCache ?? false,
            MaxAttempts = body.MaxAttempts ?? 0,
            CallbackUrl = body.CallbackUrl ?? "",
            EstimatedCostMicros = estimate.MicroUsd,
        };
        SubmitJobResponse response;
        try
        {
            response = await jobs.SubmitAsync(new SubmitJobRequest { Spec = spec }, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.AlreadyExists && spec.IdempotencyKey.Length > 0)
        {
            // JobTracking holds this key for a job with another spec: the body differs from the one that created it.
            throw new ApiProblemException(422, "idempotency_key_reused", "This Idempotency-Key was used for a different request.",
                "Use a new key for a different request.");
        }

        if (idempotency is not null)
        {
            idempotency.Replayed = response.Deduplicated;
        }

        var job = response.Job;
        if (job.CallbackUrl.Length > 0 && callbacks is not null)
        {
            await callbacks.TrackAsync(job, cancellationToken).ConfigureAwait(false);
        }

        var json = JobJson.ToJson(job);
        json["estimate"] = EstimateJson.ToJson(estimate);
        return new LocatedResult(TypedResults.Json(json, GatewayJson.Options, statusCode: StatusCodes.Status202Accepted), $"/v1/jobs/{job.Id}");
    }

    /// <summary>Every problem with the request at once: job settings and the catalog's field errors.</summary>
    internal ValidationResult Validate(string kind, CreateJobRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.CallbackUrl is { } callback &&
            (callback.Length > MaxCallbackUrlLength || !Uri.TryCreate(callback, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors["callback_url"] = [$"'callback_url' must be an absolute http(s) URL of at most {MaxCallbackUrlLength} characters."];
        }

        if (body.ProductionId is { } production && (production.Length is 0 or > MaxProductionIdLength || production.Any(char.IsControl)))
        {
            errors["production_id"] = [$"'production_id' must be 1 to {MaxProductionIdLength} printable characters."];
        }

        if (body.MaxAttempts is < 1 or > 10)
        {
            errors["max_attempts"] = ["'max_attempts' must be between 1 and 10."];
        }

        if (string.IsNullOrWhiteSpace(body.Model))
        {
            errors["model"] = ["'model' is required."];
            throw Invalid(errors);
        }

        var result = catalog.Validate(body.Model, body.Input);
        if (result.Model is { } model && model.Kind != kind)
        {
            throw new ApiProblemException(422, "model_kind_mismatch", "This model does not do what this endpoint does.",
                $"'{model.Id}' is a {model.Kind} model; send it to {JobRoutes.PathOf(model.Kind)}.",
                new Dictionary<string, string[]> { ["model"] = [$"'{model.Id}' is a {model.Kind} model, not {kind}."] });
        }

        if (body.Input is null && result.Model is not null)
        {
            errors["input"] = ["'input' is required."];
        }

        foreach (var error in result.Errors)
        {
            var path = error.Path == "model" ? "model" : "input." + error.Path;
            errors[path] = errors.TryGetValue(path, out var existing) ? [.. existing, error.Message] : [error.Message];
        }

        if (result.Errors.Any(e => e.Code == ValidationCodes.UnknownModel))
        {
            throw new ApiProblemException(422, "unknown_model", "There is no such model.", $"'{body.Model}' is not in the catalog; see GET /v1/models.", errors);
        }

        if (result.Errors.Any(e => e.Code == ValidationCodes.ModelUnavailable))
        {
            throw new ApiProblemException(422, "model_unavailable", "This model is not available.", result.Errors[0].Message, errors);
        }

        if (errors.Count > 0)
        {
            throw Invalid(errors);
        }

        return result;
    }

    private static ApiProblemException Invalid(Dictionary<string, string[]> errors) =>
        new(422, "validation_failed", "The request has invalid fields.", $"{errors.Count} field(s) are invalid; see 'errors'.", errors);

    /// <summary>A result with a Location header.</summary>
    private sealed class LocatedResult(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
