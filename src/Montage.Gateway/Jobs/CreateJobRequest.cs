using System.Text.Json.Nodes;

namespace Montage.Gateway.Jobs;

/// <summary>
/// One request shape for every model: the catalog model id, its input with Montage field names (media fields take an
/// asset id, an http(s) URL or a data: URI), and optional job settings.
/// </summary>
public sealed record CreateJobRequest
{
    /// <summary>Catalog model id, e.g. <c>local/kenburns</c> or <c>fal-ai/kling-video/v2.1/pro/image-to-video</c>.</summary>
    public string? Model { get; init; }

    /// <summary>The model input (see <c>GET /v1/models/{id}</c> for its fields).</summary>
    public JsonObject? Input { get; init; }

    /// <summary>Receives a signed webhook when the job succeeds or fails.</summary>
    public string? CallbackUrl { get; init; }

    /// <summary>Groups the jobs of one production (episode).</summary>
    public string? ProductionId { get; init; }

    /// <summary>Never reuse the outputs of an identical earlier job.</summary>
    public bool? NoCache { get; init; }

    /// <summary>Provider attempts before the job fails for good (1-10; default 3).</summary>
    public int? MaxAttempts { get; init; }
}

/// <summary>Body of <c>POST /v1/estimates</c>.</summary>
public sealed record EstimateRequest
{
    public string? Model { get; init; }

    public JsonObject? Input { get; init; }

    /// <summary>Length of the input audio in seconds, for models billed by it (avatars), when known.</summary>
    public decimal? AudioDurationSeconds { get; init; }
}
