using System.Text.Json.Nodes;

namespace Montage.Providers.Abstractions;

/// <summary>One job to submit: the provider's model endpoint and the provider-specific JSON input built by the catalog.</summary>
/// <param name="ModelEndpoint">Provider model id, e.g. <c>fal-ai/kling-video/v2.1/pro/image-to-video</c> or <c>kling-3.0/video</c>.</param>
/// <param name="Body">The model input exactly as the provider expects it (for KIE: the <c>input</c> object).</param>
/// <param name="WebhookUrl">Where the provider should POST completion; null to rely on polling.</param>
public sealed record ProviderSubmitRequest(string ModelEndpoint, JsonObject Body, Uri? WebhookUrl = null)
{
    /// <summary>Deadline for the job to start running (queue wait); the provider fails it as StartTimeout afterwards. fal only.</summary>
    public TimeSpan? StartTimeout { get; init; }

    /// <summary>How long the provider should keep output files; copy them out well before. fal only.</summary>
    public TimeSpan? OutputLifetime { get; init; }
}
