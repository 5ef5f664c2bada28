using System.Text.Json;
using System.Text.Json.Nodes;
using Montage.Providers.Catalog;

namespace Montage.Gateway.Models;

/// <summary>A catalog model as the API shows it: Montage field names only, never the provider's.</summary>
public static class ModelJson
{
    public static JsonObject Summary(ModelDefinition model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new JsonObject
        {
            ["id"] = model.Id,
            ["object"] = "model",
            ["title"] = model.Title,
            ["kind"] = model.Kind,
            ["provider"] = model.Provider,
            ["available"] = model.Available,
            ["replacement"] = model.Replacement,
            ["typical_duration_seconds"] = model.TypicalDurationSeconds,
            ["timeout_seconds"] = model.TimeoutSeconds,
            ["links"] = new JsonObject { ["self"] = "/v1/models/" + model.Id },
        };
    }

    public static JsonObject Detail(ModelDefinition model)
    {
        var json = Summary(model);
        json["unavailable_reason"] = model.UnavailableReason;
        json["notes"] = model.Notes;
        json["capabilities"] = new JsonObject
        {
            ["audio"] = model.Capabilities.Audio,
            ["audio_input"] = model.Capabilities.AudioInput,
            ["end_frame"] = model.Capabilities.EndFrame,
            ["elements"] = model.Capabilities.Elements,
            ["multi_shot"] = model.Capabilities.MultiShot,
            ["max_duration_seconds"] = model.Capabilities.MaxDurationSeconds,
            ["max_images"] = model.Capabilities.MaxImages,
        };
        json["price"] = new JsonObject
        {
            ["currency"] = "USD",
            ["per"] = model.Price.Per,
            ["quantity"] = model.Price.Quantity,
            ["base"] = model.Price.BaseUsd,
            ["included_units"] = model.Price.IncludedUnits,
            ["confirmed"] = model.Price.Confirmed,
            ["rates"] = new JsonArray(model.Price.Rates.Select(r => (JsonNode?)new JsonObject
            {
                ["amount"] = r.Usd,
                ["when"] = r.When is null ? null : Object(r.When),
            }).ToArray()),
        };
        json["input_fields"] = Fields(model.Fields);
        return json;
    }

    private static JsonArray Fields(IReadOnlyList<FieldDefinition> fields) =>
        new(fields.Select(f => (JsonNode?)new JsonObject
        {
            ["name"] = f.Name,
            ["type"] = TypeName(f.Type),
            ["required"] = f.Required,
            ["description"] = f.Description,
            ["enum"] = f.Enum is null ? null : new JsonArray(f.Enum.Select(e => JsonNode.Parse(e.GetRawText())).ToArray()),
            ["default"] = f.Default is { } value ? JsonNode.Parse(value.GetRawText()) : null,
            ["min"] = f.Min,
            ["max"] = f.Max,
            ["min_length"] = f.MinLength,
            ["max_length"] = f.MaxLength,
            ["min_items"] = f.MinItems,
            ["max_items"] = f.MaxItems,
            ["items"] = f.Items is null ? null : Fields(f.Items),
        }).ToArray());

    private static string TypeName(FieldType type) => type switch
    {
        FieldType.MediaList => "media_list",
        FieldType.ObjectList => "object_list",
        FieldType.ImageSize => "image_size",
        _ => JsonNamingPolicy.SnakeCaseLower.ConvertName(type.ToString()),
    };

    private static JsonObject Object(IReadOnlyDictionary<string, JsonElement> values)
    {
        var json = new JsonObject();
        foreach (var (name, value) in values)
        {
            json[name] = JsonNode.Parse(value.GetRawText());
        }

        return json;
    }
}
