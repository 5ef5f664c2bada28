using System.Text.Json;
using System.Text.Json.Serialization;

namespace Montage.Providers.Catalog;

/// <summary>One field of a model's input, in Montage's names, with its constraints and its provider mapping.</summary>
public sealed record FieldDefinition
{
    public required string Name { get; init; }
    public required FieldType Type { get; init; }
    public bool Required { get; init; }
    public string? Description { get; init; }

    /// <summary>Allowed values (strings or numbers), compared after aliases are resolved.</summary>
    public IReadOnlyList<JsonElement>? Enum { get; init; }

    /// <summary>Accepted spellings that stand for an enum value, e.g. horizontal for 16:9.</summary>
    public IReadOnlyDictionary<string, string>? Aliases { get; init; }

    /// <summary>Applied when the field is absent; the normalised input and the estimate use it.</summary>
    public JsonElement? Default { get; init; }

    /// <summary>Inclusive numeric range; for image_size objects the range of width and height.</summary>
    public decimal? Min { get; init; }

    public decimal? Max { get; init; }
    public int? MinLength { get; init; }
    public int? MaxLength { get; init; }
    public int? MinItems { get; init; }
    public int? MaxItems { get; init; }

    /// <summary>The fields of each item of an object list, or of an object.</summary>
    public IReadOnlyList<FieldDefinition>? Items { get; init; }

    /// <summary>The provider's field name; <c>name[i]</c> puts the value at position i of a provider list. Null: same as <see cref="Name"/>.</summary>
    public string? To { get; init; }

    [JsonPropertyName("as")]
    public ValueConversion As { get; init; } = ValueConversion.Copy;

    /// <summary>Translation of enum values for the provider, e.g. 720p to std.</summary>
    public IReadOnlyDictionary<string, string>? Map { get; init; }

    /// <summary>Provider fields set whenever this field is present, e.g. multi_shots: true.</summary>
    public IReadOnlyDictionary<string, JsonElement>? AlsoSet { get; init; }

    /// <summary>False for Montage-only fields that shape the request but are never sent as they are (e.g. shot metadata).</summary>
    public bool Send { get; init; } = true;

    public string ProviderName => To ?? Name;
}
