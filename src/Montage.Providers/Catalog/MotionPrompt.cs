using System.Text.Json.Nodes;

namespace Montage.Providers.Catalog;

/// <summary>
/// The motion prompt of a <c>video.animate</c> request that carries shot metadata (the optional <c>shot</c> object)
/// instead of a prompt: camera language, an energy phrase (above 0.7 "dynamic motion", below 0.3 "subtle motion"),
/// the environment and the first two symbolic elements, joined with commas; with none of them, <see cref="Default"/>.
/// </summary>
public static class MotionPrompt
{
    public const string ShotField = "shot";
    public const string Default = "Natural cinematic motion, smooth camera movement";

    private const double DynamicAbove = 0.7;
    private const double SubtleBelow = 0.3;

    /// <summary>Builds the prompt from a shot object (fields camera_language, energy, environment, symbolic_elements).</summary>
    public static string Build(JsonObject shot)
    {
        ArgumentNullException.ThrowIfNull(shot);
        var parts = new List<string>();
        AddText(parts, shot["camera_language"]);
        if (shot["energy"] is JsonValue energyNode && InputValidator.TryReadNumber(energyNode, out var energy))
        {
            if (energy > (decimal)DynamicAbove)
            {
                parts.Add("dynamic motion");
            }
            else if (energy < (decimal)SubtleBelow)
            {
                parts.Add("subtle motion");
            }
        }

        AddText(parts, shot["environment"]);
        var elements = (shot["symbolic_elements"] as JsonArray ?? [])
            .Select(Text)
            .OfType<string>()
            .Take(2)
            .ToList();
        if (elements.Count > 0)
        {
            parts.Add("featuring " + string.Join(" and ", elements));
        }

        return parts.Count == 0 ? Default : string.Join(", ", parts);
    }

    /// <summary>The aspect ratio a shot's aspect names: horizontal 16:9, vertical 9:16, square 1:1; null for anything else.</summary>
    public static string? AspectRatio(string? aspect) => aspect?.Trim().ToLowerInvariant() switch
    {
        "horizontal" or "16:9" => "16:9",
        "vertical" or "9:16" => "9:16",
        "square" or "1:1" => "1:1",
        _ => null,
    };

    /// <summary>
    /// The input with its prompt built from the shot when a video.animate input has shot metadata and neither a prompt nor
    /// multi-shot prompts; otherwise the input itself. The prompt is cut to the model's prompt length limit.
    /// </summary>
    public static JsonObject Apply(ModelDefinition model, JsonObject input)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        if (model.Kind != JobKinds.VideoAnimate || input[ShotField] is not JsonObject shot || input["prompt"] is not null || input["shots"] is not null)
        {
            return input;
        }

        var prompt = Build(shot);
        if (model.Field("prompt")?.MaxLength is { } max && prompt.Length > max)
        {
            prompt = prompt[..max];
        }

        var result = input.DeepClone().AsObject();
        result["prompt"] = prompt;
        return result;
    }

    private static void AddText(List<string> parts, JsonNode? node)
    {
        if (Text(node) is { } text)
        {
            parts.Add(text);
        }
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;
}
