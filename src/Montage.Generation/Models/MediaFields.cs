using System.Globalization;
using System.Text.Json.Nodes;
using Montage.Providers.Catalog;

namespace Montage.Generation.Models;

/// <summary>Every media reference of a normalised input with its field path (<c>images[1]</c>, <c>elements[0].images[2]</c>) and media kind.</summary>
internal static class MediaFields
{
    public static IEnumerable<(string Path, string Reference, string Kind)> Enumerate(IReadOnlyList<FieldDefinition> fields, JsonObject input, string prefix = "")
    {
        foreach (var field in fields)
        {
            var path = prefix + field.Name;
            switch (field.Type, input[field.Name])
            {
                case (FieldType.Media, JsonValue value) when value.TryGetValue<string>(out var reference):
                    yield return (path, reference, MediaKinds.For(field.Name));
                    break;
                case (FieldType.MediaList, JsonArray list):
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is JsonValue item && item.TryGetValue<string>(out var listed))
                        {
                            yield return (Indexed(path, i), listed, MediaKinds.For(field.Name));
                        }
                    }

                    break;
                case (FieldType.ObjectList, JsonArray objects):
                    for (var i = 0; i < objects.Count; i++)
                    {
                        if (objects[i] is JsonObject nested)
                        {
                            foreach (var inner in Enumerate(field.Items ?? [], nested, Indexed(path, i) + "."))
                            {
                                yield return inner;
                            }
                        }
                    }

                    break;
            }
        }
    }

    private static string Indexed(string path, int index) => string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]");
}
