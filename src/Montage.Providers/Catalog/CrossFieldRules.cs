using System.Text.Json.Nodes;

namespace Montage.Providers.Catalog;

/// <summary>Rules that involve more than one field, named in the catalog's "rules" list.</summary>
public static class CrossFieldRules
{
    /// <summary>A prompt or a list of shots must be given.</summary>
    public const string PromptOrShots = "prompt_or_shots";

    /// <summary>Shot durations add up to a total the model accepts; duration, when given, must equal it (and is derived otherwise).</summary>
    public const string ShotsTotalDuration = "shots_total_duration";

    /// <summary>Element names are unique, since the prompt refers to them as @name.</summary>
    public const string ElementNamesUnique = "element_names_unique";

    /// <summary>
    /// A prompt, or shot metadata to build it from (or multi-shot prompts where the model has them). With shot metadata
    /// and no prompt given, a default prompt is dropped (the shot's prompt replaces it when the request is built) and the
    /// shot's aspect sets aspect_ratio when the request gives none.
    /// </summary>
    public const string PromptOrShot = "prompt_or_shot";

    /// <summary>Inline subtitle text and a subtitle file exclude each other.</summary>
    public const string OneSubtitleSource = "one_subtitle_source";

    public static IReadOnlyList<string> Known { get; } = [PromptOrShots, ShotsTotalDuration, ElementNamesUnique, PromptOrShot, OneSubtitleSource];

    internal static void Apply(ModelDefinition model, JsonObject input, JsonObject normalized, List<ValidationError> errors)
    {
        foreach (var rule in model.Rules)
        {
            switch (rule)
            {
                case PromptOrShots:
                    CheckPromptOrShots(normalized, errors);
                    break;
                case ShotsTotalDuration:
                    CheckShotsTotalDuration(model, input, normalized, errors);
                    break;
                case ElementNamesUnique:
                    CheckElementNamesUnique(normalized, errors);
                    break;
                case PromptOrShot:
                    CheckPromptOrShot(model, input, normalized, errors);
                    break;
                case OneSubtitleSource:
                    if (normalized.ContainsKey("subtitles") && normalized.ContainsKey("subtitles_text"))
                    {
                        errors.Add(new("subtitles_text", ValidationCodes.Conflict, "Give subtitles as a file or as text, not both."));
                    }

                    break;
                default:
                    throw new InvalidOperationException($"Unknown catalog rule '{rule}'.");
            }
        }
    }

    private static void CheckPromptOrShots(JsonObject normalized, List<ValidationError> errors)
    {
        if (!normalized.ContainsKey("prompt") && !normalized.ContainsKey("shots") && !normalized.ContainsKey(MotionPrompt.ShotField)
            && !errors.Any(e => e.Path.StartsWith("shot", StringComparison.Ordinal)))
        {
            errors.Add(new("prompt", ValidationCodes.Required, "Give a prompt, or shots with one prompt each."));
        }
    }

    private static void CheckPromptOrShot(ModelDefinition model, JsonObject input, JsonObject normalized, List<ValidationError> errors)
    {
        if (normalized[MotionPrompt.ShotField] is not JsonObject shot)
        {
            if (!normalized.ContainsKey("prompt") && !normalized.ContainsKey("shots") && !errors.Any(e => e.Path.StartsWith("shot", StringComparison.Ordinal) || e.Path == "prompt"))
            {
                errors.Add(new("prompt", ValidationCodes.Required, "Give a prompt, or shot metadata to build the motion prompt from."));
            }

            return;
        }

        if (input["prompt"] is null)
        {
            normalized.Remove("prompt");
        }

        if (shot["aspect"]?.GetValue<string>() is { } aspect && input["aspect_ratio"] is null && model.Field("aspect_ratio") is { } field)
        {
            var ratio = MotionPrompt.AspectRatio(aspect);
            if (ratio is not null && field.Enum?.Any(e => e.ValueKind == System.Text.Json.JsonValueKind.String && e.GetString() == ratio) == true)
            {
                normalized["aspect_ratio"] = ratio;
            }
            else
            {
                errors.Add(new("shot.aspect", ValidationCodes.NotInEnum, $"This model does not render {aspect} ({ratio}) video."));
            }
        }
    }

    private static void CheckShotsTotalDuration(ModelDefinition model, JsonObject input, JsonObject normalized, List<ValidationError> errors)
    {
        if (normalized["shots"] is not JsonArray shots)
        {
            return;
        }

        var total = shots.Sum(s => s!["duration"]!.GetValue<long>());
        var durationField = model.Field("duration");
        var min = durationField?.Min ?? 1;
        var max = durationField?.Max ?? model.Capabilities.MaxDurationSeconds ?? decimal.MaxValue;
        if (total < min || total > max)
        {
            errors.Add(new("shots", ValidationCodes.OutOfRange, $"The shots add up to {total} s; the model takes {min} to {max} s."));
            return;
        }

        // A duration the request states must agree with the shots; an absent one (its default applied) is replaced.
        var givenDuration = input["duration"] is not null ? normalized["duration"]?.GetValue<long>() : null;
        if (givenDuration is { } given && given != total)
        {
            errors.Add(new("duration", ValidationCodes.Conflict, $"duration is {given} s but the shots add up to {total} s."));
            return;
        }

        normalized["duration"] = total;
    }

    private static void CheckElementNamesUnique(JsonObject normalized, List<ValidationError> errors)
    {
        if (normalized["elements"] is not JsonArray elements)
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < elements.Count; i++)
        {
            var name = elements[i]?["name"]?.GetValue<string>();
            if (name is not null && !seen.Add(name))
            {
                errors.Add(new($"elements[{i}].name", ValidationCodes.Conflict, $"The element name '{name}' is used twice."));
            }
        }
    }
}
