using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Jobs.V1;

namespace Montage.Gateway.Jobs;

/// <summary>A job as the API shows it: state, progress, error, cost in USD, outputs as named asset ids, links.</summary>
public static class JobJson
{
    public static string StateName(JobState state) => state switch
    {
        JobState.Waiting => "waiting",
        JobState.Queued => "queued",
        JobState.Running => "running",
        JobState.Succeeded => "succeeded",
        JobState.Failed => "failed",
        JobState.Canceled => "canceled",
        _ => "unknown",
    };

    public static bool TryParseState(string text, out JobState state)
    {
        state = text switch
        {
            "waiting" => JobState.Waiting,
            "queued" => JobState.Queued,
            "running" => JobState.Running,
            "succeeded" => JobState.Succeeded,
            "failed" => JobState.Failed,
            "canceled" => JobState.Canceled,
            _ => JobState.Unspecified,
        };
        return state != JobState.Unspecified;
    }

    public static bool IsTerminal(JobState state) => state is JobState.Succeeded or JobState.Failed or JobState.Canceled;

    public static JsonObject ToJson(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var json = new JsonObject
        {
            ["id"] = job.Id,
            ["object"] = "job",
            ["kind"] = job.Kind,
            ["model"] = job.ModelId,
            ["state"] = StateName(job.State),
            ["progress"] = Math.Round(job.Progress, 4),
            ["input"] = ParseInput(job.InputJson),
            ["outputs"] = Outputs(job),
            ["error"] = job.Error is { } error
                ? new JsonObject { ["code"] = error.Code, ["message"] = error.Message, ["retryable"] = error.Retryable }
                : null,
            ["cost"] = new JsonObject
            {
                ["currency"] = "USD",
                ["estimated"] = Usd(job.EstimatedCostMicros),
                ["actual"] = job.ActualCostMicros > 0 || IsTerminal(job.State) ? Usd(job.ActualCostMicros) : null,
            },
            ["attempts"] = job.Attempts,
            ["max_attempts"] = job.MaxAttempts,
            ["cancel_requested"] = job.CancelRequested,
            ["production_id"] = NullIfEmpty(job.ProductionId),
            ["callback_url"] = NullIfEmpty(job.CallbackUrl),
            ["cached_from_job_id"] = NullIfEmpty(job.CachedFromJobId),
            ["created_at"] = Time(job.CreatedAt),
            ["updated_at"] = Time(job.UpdatedAt),
            ["started_at"] = Time(job.StartedAt),
            ["finished_at"] = Time(job.FinishedAt),
            ["last_event_id"] = job.LastEventSequence,
            ["links"] = new JsonObject
            {
                ["self"] = $"/v1/jobs/{job.Id}",
                ["events"] = $"/v1/jobs/{job.Id}/events",
                ["cancel"] = $"/v1/jobs/{job.Id}",
                ["retry"] = $"/v1/jobs/{job.Id}/retry",
            },
        };
        return json;
    }

    /// <summary>
    /// Named outputs: <c>images</c> is always a list; every other output (e.g. <c>video</c>) is one asset id when it
    /// holds exactly one, a list otherwise.
    /// </summary>
    public static JsonObject Outputs(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var outputs = new JsonObject();
        foreach (var (name, assets) in job.Outputs.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            outputs[name] = name != "images" && assets.AssetIds.Count == 1
                ? JsonValue.Create(assets.AssetIds[0])
                : new JsonArray(assets.AssetIds.Select(id => (JsonNode?)JsonValue.Create(id)).ToArray());
        }

        return outputs;
    }

    public static decimal Usd(long micros) => micros / 1_000_000m;

    public static string? Time(Timestamp? timestamp) =>
        timestamp is null ? null : timestamp.ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", System.Globalization.CultureInfo.InvariantCulture);

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static JsonNode? ParseInput(string inputJson)
    {
        if (inputJson.Length == 0)
        {
            return new JsonObject();
        }

        try
        {
            return JsonNode.Parse(inputJson);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
