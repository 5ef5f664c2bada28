using System.Text.Json.Nodes;
using Montage.Contracts.Jobs.V1;
using Montage.Gateway.Jobs;

namespace Montage.Gateway.Events;

/// <summary>A job event as an SSE <c>data</c> payload.</summary>
public static class EventJson
{
    public static JsonObject ToJson(JobEvent jobEvent)
    {
        ArgumentNullException.ThrowIfNull(jobEvent);
        var json = new JsonObject
        {
            ["id"] = jobEvent.Sequence,
            ["type"] = jobEvent.Type,
            ["job_id"] = jobEvent.JobId,
            ["time"] = JobJson.Time(jobEvent.Time),
            ["production_id"] = jobEvent.ProductionId.Length == 0 ? null : jobEvent.ProductionId,
        };
        if (jobEvent.Job is { } job)
        {
            json["job"] = JobJson.ToJson(job);
        }

        if (jobEvent.Type == "job.progress")
        {
            json["progress"] = Math.Round(jobEvent.Progress, 4);
        }

        if (jobEvent.Logs.Count > 0)
        {
            json["logs"] = new JsonArray(jobEvent.Logs.Select(l => (JsonNode?)new JsonObject
            {
                ["time"] = JobJson.Time(l.Time),
                ["level"] = l.Level,
                ["message"] = l.Message,
            }).ToArray());
        }

        if (jobEvent.ProviderEvent is { } delivery)
        {
            // The provider's payload stays inside: it can hold provider URLs that are not the client's business.
            json["provider_event"] = new JsonObject { ["provider"] = delivery.Provider, ["outcome"] = delivery.Outcome };
        }

        return json;
    }

    public static bool IsTerminal(string type) => type is "job.succeeded" or "job.failed" or "job.canceled";
}
