using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;
using Montage.Gateway.Auth;
using Montage.Gateway.Errors;
using Montage.Gateway.Json;
using Montage.Gateway.Safety;
using Montage.Grpc;

namespace Montage.Gateway.Jobs;

/// <summary>The creating endpoints and <c>/v1/jobs</c>: get, list, cancel, retry. Every call is scoped to the key's owner.</summary>
internal static class JobEndpoints
{
    private static readonly HashSet<string> ListParameters = new(StringComparer.Ordinal) { "state", "kind", "model", "production_id", "limit", "cursor" };

    public static void MapJobEndpoints(this IEndpointRouteBuilder routes)
    {
        foreach (var (path, kind, summary) in JobRoutes.Creating)
        {
            routes.MapPost(path, (HttpRequest request, SubmitJobHandler handler, CancellationToken cancellationToken) =>
                    handler.HandleAsync(kind, request, request.HttpContext.User.GetOwner(), cancellationToken))
                .AddEndpointFilter(new IdempotencyFilter(guardedByJobTracking: true))
                .Accepts<CreateJobRequest>("application/json")
                .Produces<JsonObject>(StatusCodes.Status202Accepted)
                .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
                .WithTags("Jobs")
                .WithSummary(summary + " Answers 202 with the job; follow it at /v1/jobs/{id}/events.");
        }

        var jobs = routes.MapGroup("/v1/jobs").WithTags("Jobs");
        jobs.MapGet("/{id}", GetAsync).Produces<JsonObject>().WithSummary("One job.");
        jobs.MapGet("/", ListAsync).Produces<JsonObject>().WithSummary("The key's jobs, newest first; filters state, kind, model, production_id; cursor pagination.");
        jobs.MapDelete("/{id}", CancelAsync).Produces<JsonObject>().WithSummary("Cancels a job (a running job stops at its provider).");
        jobs.MapPost("/{id}/retry", RetryAsync).AddEndpointFilter<IdempotencyFilter>().Produces<JsonObject>(StatusCodes.Status202Accepted)
            .WithSummary("Runs a failed or canceled job again (a new paid run). Body optional: {\"include_dependents\": true}.");
    }

    internal static string ParseJobId(string id) =>
        Guid.TryParse(id, out var parsed) ? parsed.ToString() : throw NotFound(id);

    internal static ApiProblemException NotFound(string id) =>
        new(404, "job_not_found", "There is no such job.", $"No job '{Truncate(id)}' for this API key.");

    private static async Task<IResult> GetAsync(string id, HttpContext context, JobTrackerClient client, CancellationToken cancellationToken)
    {
        var job = await CallAsync(id, () => client.GetAsync(new GetJobRequest { JobId = ParseJobId(id), Owner = context.User.GetOwner() }, cancellationToken)).ConfigureAwait(false);
        return TypedResults.Json(JobJson.ToJson(job), GatewayJson.Options);
    }

    private static async Task<IResult> ListAsync(HttpContext context, JobTrackerClient client, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var errors = new Dictionary<string, string[]>();
        foreach (var name in query.Keys.Where(k => !ListParameters.Contains(k)))
        {
            errors[name] = [$"Unknown query parameter; use {string.Join(", ", ListParameters)}."];
        }

        var request = new ListJobsRequest { Owner = context.User.GetOwner() };
        foreach (var state in Split(query["state"]))
        {
            if (JobJson.TryParseState(state, out var parsed))
            {
                request.States.Add(parsed);
            }
            else
            {
                errors["state"] = ["'state' takes waiting, queued, running, succeeded, failed or canceled (comma-separated)."];
            }
        }

        request.Kinds.AddRange(Split(query["kind"]));
        request.ProductionId = query["production_id"].ToString();
        var limit = 50;
        if (query.ContainsKey("limit") && (!int.TryParse(query["limit"], out limit) || limit is < 1 or > 500))
        {
            errors["limit"] = ["'limit' is an integer between 1 and 500."];
        }

        request.PageSize = limit;
        request.PageToken = query["cursor"].ToString();
        if (errors.Count > 0)
        {
            throw new ApiProblemException(400, "invalid_query", "The query has invalid parameters.", null, errors);
        }

        ListJobsResponse page;
        try
        {
            page = await client.ListAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.InvalidArgument && request.PageToken.Length > 0)
        {
            throw new ApiProblemException(400, "invalid_cursor", "The cursor is not valid.", "Use next_cursor from a previous page.");
        }

        var model = query["model"].ToString();
        var data = new JsonArray(page.Jobs.Where(j => model.Length == 0 || j.ModelId == model).Select(j => (JsonNode?)JobJson.ToJson(j)).ToArray());
        var body = new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["next_cursor"] = page.NextPageToken.Length == 0 ? null : page.NextPageToken,
        };
        return TypedResults.Json(body, GatewayJson.Options);
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext context, JobTrackerClient client, CancellationToken cancellationToken)
    {
        var request = new CancelJobRequest { JobId = ParseJobId(id), Owner = context.User.GetOwner(), Reason = "Canceled by the client." };
        var job = await CallAsync(id, () => client.CancelAsync(request, cancellationToken)).ConfigureAwait(false);
        return TypedResults.Json(JobJson.ToJson(job), GatewayJson.Options);
    }

    private static async Task<IResult> RetryAsync(string id, HttpContext context, JobTrackerClient client, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var includeDependents = false;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var body = await GatewayJson.ReadBodyAsync<RetryRequest>(context.Request, options.Value.MaxJsonBodyBytes, cancellationToken).ConfigureAwait(false);
            includeDependents = body.IncludeDependents ?? false;
        }

        var request = new RetryJobRequest { JobId = ParseJobId(id), Owner = context.User.GetOwner(), IncludeDependents = includeDependents };
        var response = await CallAsync(id, () => client.RetryAsync(request, cancellationToken)).ConfigureAwait(false);
        var json = JobJson.ToJson(response.Jobs[0]);
        if (response.Jobs.Count > 1)
        {
            json["dependents"] = new JsonArray(response.Jobs.Skip(1).Select(j => (JsonNode?)JobJson.ToJson(j)).ToArray());
        }

        return TypedResults.Json(json, GatewayJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>A JobTracker call whose NOT_FOUND means this job id (for this owner) does not exist.</summary>
    private static async Task<T> CallAsync<T>(string id, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
        {
            throw NotFound(id);
        }
    }

    private static IEnumerable<string> Split(Microsoft.Extensions.Primitives.StringValues values) =>
        values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string Truncate(string id) => id.Length > 64 ? id[..64] + "..." : id;
}

/// <summary>Body of <c>POST /v1/jobs/{id}/retry</c>.</summary>
public sealed record RetryRequest(bool? IncludeDependents);
