using System.Globalization;
using System.Text.Json.Nodes;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Catalog;

/// <summary>
/// Turns a validated Montage input into the exact JSON body a provider expects: field names, value formats,
/// provider lists and nested objects, with media references replaced by provider-readable URLs.
/// </summary>
public static class ProviderRequestBuilder
{
    /// <summary>
    /// Builds the body. For fal it is the model input itself; for KIE it is <c>{"model", "input"}</c> (the client adds
    /// callBackUrl); for local models it is the normalised input with media resolved.
    /// </summary>
    /// <param name="model">The catalog model; must be available.</param>
    /// <param name="normalizedInput"><see cref="ValidationResult.Normalized"/> of this model.</param>
    /// <param name="resolvedMedia">Media reference (as written in the input) to a URL the provider can read. A reference
    /// that is already an http(s) URL or data URI and is not in the map is passed through.</param>
    public static JsonObject Build(ModelDefinition model, JsonObject normalizedInput, IReadOnlyDictionary<string, string> resolvedMedia)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(normalizedInput);
        ArgumentNullException.ThrowIfNull(resolvedMedia);
        if (!model.Available || model.Endpoint is null)
        {
            throw new InvalidOperationException($"{model.Id} is not available; use {model.Replacement ?? "another model"}.");
        }

        var body = MapObject(model.Fields, MotionPrompt.Apply(model, normalizedInput), resolvedMedia);
        return model.Provider == ProviderNames.Kie
            ? new JsonObject { ["model"] = model.Endpoint, ["input"] = body }
            : body;
    }

    /// <summary>
    /// The model input alone, as <see cref="ProviderSubmitRequest.Body"/> takes it: the same as <see cref="Build"/> for fal
    /// and local models, and the <c>input</c> object for KIE (whose client adds model and callBackUrl).
    /// </summary>
    public static JsonObject BuildInput(ModelDefinition model, JsonObject normalizedInput, IReadOnlyDictionary<string, string> resolvedMedia)
    {
        var body = Build(model, normalizedInput, resolvedMedia);
        return model.Provider == ProviderNames.Kie ? body["input"]!.DeepClone().AsObject() : body;
    }

    /// <summary>The submit request for <see cref="IGenerationProvider.SubmitAsync"/>: the model's endpoint and its input.</summary>
    public static ProviderSubmitRequest BuildSubmitRequest(ModelDefinition model, JsonObject normalizedInput, IReadOnlyDictionary<string, string> resolvedMedia, Uri? webhookUrl = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ProviderSubmitRequest(model.Endpoint ?? "", BuildInput(model, normalizedInput, resolvedMedia), webhookUrl);
    }

    /// <summary>Every media reference in a normalised input (top level and nested), so the caller can resolve them first.</summary>
    public static IReadOnlyList<string> MediaReferences(ModelDefinition model, JsonObject normalizedInput)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(normalizedInput);
        var found = new List<string>();
        CollectMedia(model.Fields, normalizedInput, found);
        return found.Distinct(StringComparer.Ordinal).ToList();
    }

    private static void CollectMedia(IReadOnlyList<FieldDefinition> fields, JsonObject input, List<string> found)
    {
        foreach (var field in fields)
        {
            switch (field.Type, input[field.Name])
            {
                case (FieldType.Media, JsonValue value):
                    found.Add(value.GetValue<string>());
                    break;
                case (FieldType.MediaList, JsonArray list):
                    found.AddRange(list.Select(item => item!.GetValue<string>()));
                    break;
                case (FieldType.Object, JsonObject item):
                    CollectMedia(field.Items ?? [], item, found);
                    break;
                case (FieldType.ObjectList, JsonArray items):
                    foreach (var item in items.OfType<JsonObject>())
                    {
                        CollectMedia(field.Items ?? [], item, found);
                    }

                    break;
            }
        }
    }

    private static JsonObject MapObject(IReadOnlyList<FieldDefinition> fields, JsonObject input, IReadOnlyDictionary<string, string> media)
    {
        var output = new JsonObject();
        foreach (var field in fields)
        {
            if (!field.Send || input[field.Name] is not { } value)
            {
                continue;
            }

            Place(output, field.ProviderName, MapValue(field, value, media));
            foreach (var (name, constant) in field.AlsoSet ?? new Dictionary<string, System.Text.Json.JsonElement>())
            {
                output[name] = JsonNode.Parse(constant.GetRawText());
            }
        }

        return output;
    }

    private static JsonNode? MapValue(FieldDefinition field, JsonNode value, IReadOnlyDictionary<string, string> media) => field.Type switch
    {
        FieldType.Media => Resolve(value.GetValue<string>(), media),
        FieldType.MediaList => new JsonArray(value.AsArray().Select(item => (JsonNode?)Resolve(item!.GetValue<string>(), media)).ToArray()),
        FieldType.ObjectList => new JsonArray(value.AsArray().Select(item => (JsonNode?)MapObject(field.Items ?? [], item!.AsObject(), media)).ToArray()),
        FieldType.Object => MapObject(field.Items ?? [], value.AsObject(), media),
        _ => Convert(field, value),
    };

    private static JsonNode? Convert(FieldDefinition field, JsonNode value)
    {
        if (field.Map is not null && value.GetValueKind() == System.Text.Json.JsonValueKind.String
            && field.Map.TryGetValue(value.GetValue<string>(), out var mapped))
        {
            return JsonValue.Create(mapped);
        }

        return field.As switch
        {
            ValueConversion.String => JsonValue.Create(NumberText(value)),
            ValueConversion.SecondsSuffix => JsonValue.Create(NumberText(value) + "s"),
            _ => value.DeepClone(),
        };
    }

    private static string NumberText(JsonNode value) =>
        InputValidator.TryReadNumber(value, out var number)
            ? number.ToString("0.############", CultureInfo.InvariantCulture)
            : value.GetValue<string>();

    private static JsonValue Resolve(string reference, IReadOnlyDictionary<string, string> media)
    {
        if (media.TryGetValue(reference, out var url))
        {
            return JsonValue.Create(url);
        }

        if (MediaReference.IsUrl(reference) || MediaReference.IsDataUri(reference))
        {
            return JsonValue.Create(reference);
        }

        throw new ArgumentException("A media reference of the input was not resolved to a URL.", nameof(media));
    }

    // "image_urls[1]" puts the value at position 1 of the provider list image_urls.
    private static void Place(JsonObject output, string target, JsonNode? value)
    {
        var bracket = target.IndexOf('[', StringComparison.Ordinal);
        if (bracket < 0)
        {
            output[target] = value;
            return;
        }

        var name = target[..bracket];
        var index = int.Parse(target.AsSpan(bracket + 1, target.Length - bracket - 2), CultureInfo.InvariantCulture);
        if (output[name] is not JsonArray list)
        {
            list = [];
            output[name] = list;
        }

        while (list.Count <= index)
        {
            list.Add(null);
        }

        list[index] = value;
    }
}
