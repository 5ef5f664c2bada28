using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Montage.FakeProviders;

/// <summary>Key-sorted compact JSON, so equal requests hash equally whatever their property order.</summary>
public static class CanonicalJson
{
    public static string Write(JsonNode? node) => Canonical(node)?.ToJsonString() ?? "null";

    public static string RequestHash(string model, JsonNode? body) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(model + "\n" + Write(body))));

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray array => new JsonArray(array.Select(Canonical).ToArray()),
        _ => node?.DeepClone(),
    };
}
