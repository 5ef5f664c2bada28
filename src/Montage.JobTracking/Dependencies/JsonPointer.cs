using System.Globalization;
using System.Text.Json.Nodes;

namespace Montage.JobTracking.Dependencies;

/// <summary>RFC 6901 JSON pointers, for placing upstream outputs into a job's input.</summary>
internal static class JsonPointer
{
    public static bool TryParse(string pointer, out List<string> tokens)
    {
        tokens = [];
        if (pointer.Length == 0 || pointer[0] != '/')
        {
            return false;
        }

        foreach (var raw in pointer[1..].Split('/'))
        {
            // "~" must be followed by 0 or 1; "~01" is "~1" unescaped, so replace ~1 first would be wrong order.
            for (var i = 0; i < raw.Length; i++)
            {
                if (raw[i] == '~' && (i + 1 >= raw.Length || raw[i + 1] is not ('0' or '1')))
                {
                    return false;
                }
            }

            tokens.Add(raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }

        return true;
    }

    /// <summary>Null when the pointer can receive a value in <paramref name="root"/>, else why not.</summary>
    public static string? CheckTarget(JsonNode root, IReadOnlyList<string> tokens)
    {
        var parent = root;
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            parent = Step(parent, tokens[i]);
            if (parent is null)
            {
                return $"'{tokens[i]}' does not exist in input_json";
            }
        }

        var last = tokens[^1];
        return parent switch
        {
            JsonObject => null,
            JsonArray array when TryIndex(last, out var index) && index < array.Count => null,
            JsonArray => $"array index '{last}' is not an existing element of input_json",
            _ => "its parent is not an object or array in input_json",
        };
    }

    public static void Set(JsonNode root, IReadOnlyList<string> tokens, JsonNode value)
    {
        var parent = root;
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            parent = Step(parent, tokens[i]) ?? throw new InvalidOperationException("binding target vanished");
        }

        switch (parent)
        {
            case JsonObject obj:
                obj[tokens[^1]] = value;
                break;
            case JsonArray array when TryIndex(tokens[^1], out var index):
                array[index] = value;
                break;
            default:
                throw new InvalidOperationException("binding target is not an object or array");
        }
    }

    private static JsonNode? Step(JsonNode? node, string token) => node switch
    {
        JsonObject obj => obj.TryGetPropertyValue(token, out var child) ? child : null,
        JsonArray array => TryIndex(token, out var index) && index < array.Count ? array[index] : null,
        _ => null,
    };

    private static bool TryIndex(string token, out int index) =>
        int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out index) && (token == "0" || token[0] != '0');
}
