using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Montage.JobTracking.Caching;

/// <summary>
/// SHA-256 of kind, model and the resolved input in a canonical form (object keys sorted, no insignificant
/// whitespace), so that equal inputs written differently hash the same.
/// </summary>
internal static class ContentHash
{
    public static byte[] Compute(string kind, string modelId, string resolvedInputJson)
    {
        var node = JsonNode.Parse(resolvedInputJson);
        var builder = new StringBuilder();
        builder.Append(kind).Append('\n').Append(modelId).Append('\n');
        WriteCanonical(node, builder);
        return SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString()));
    }

    private static void WriteCanonical(JsonNode? node, StringBuilder builder)
    {
        switch (node)
        {
            case null:
                builder.Append("null");
                break;
            case JsonObject obj:
                builder.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;
                    builder.Append(JsonSerializer.Serialize(key)).Append(':');
                    WriteCanonical(value, builder);
                }

                builder.Append('}');
                break;
            case JsonArray array:
                builder.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }

                    WriteCanonical(array[i], builder);
                }

                builder.Append(']');
                break;
            default:
                builder.Append(node.ToJsonString());
                break;
        }
    }
}
