using System.Text.Json.Nodes;

namespace Montage.Providers.Abstractions;

/// <summary>One output file of a completed job. Provider URLs expire: copy the file into our storage promptly.</summary>
/// <param name="Url">Where to download the file.</param>
/// <param name="Name">Where the file sits in the provider's output, e.g. <c>images[0]</c>, <c>video</c>, <c>resultUrls[0]</c>.</param>
public sealed record ProviderOutputFile(Uri Url, string Name)
{
    public string? ContentType { get; init; }

    public string? FileName { get; init; }

    public long? SizeBytes { get; init; }

    public int? Width { get; init; }

    public int? Height { get; init; }

    public double? DurationSeconds { get; init; }

    public double? FramesPerSecond { get; init; }
}

/// <summary>The outputs of a completed job.</summary>
/// <param name="RequestId">The provider's request id.</param>
/// <param name="Files">Every output file found in the provider's answer, in the provider's order.</param>
/// <param name="Raw">The provider's output JSON as received (fal: the model output; KIE: the parsed resultJson).</param>
public sealed record ProviderResult(string RequestId, IReadOnlyList<ProviderOutputFile> Files, JsonNode? Raw);
