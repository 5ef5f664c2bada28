using System.Text.Json.Nodes;

namespace Montage.Providers.Tests.Support;

/// <summary>The catalog's golden provider bodies (one per model), read from the source tree.</summary>
public static class GoldenRequests
{
    public static string Directory { get; } = Locate();

    /// <summary>fal goldens: (model id, body). The file name is the model id with '/' written as '_'.</summary>
    public static IEnumerable<(string Model, JsonObject Body)> Fal() =>
        Files().Where(f => !Path.GetFileName(f).StartsWith("kie_", StringComparison.Ordinal))
            .Select(f => (Path.GetFileNameWithoutExtension(f).Replace('_', '/'), (JsonObject)JsonNode.Parse(File.ReadAllText(f))!));

    /// <summary>KIE goldens: (name, model, input).</summary>
    public static IEnumerable<(string Name, string Model, JsonObject Input)> Kie() =>
        Files().Where(f => Path.GetFileName(f).StartsWith("kie_", StringComparison.Ordinal))
            .Select(f =>
            {
                var json = JsonNode.Parse(File.ReadAllText(f))!;
                return (Path.GetFileNameWithoutExtension(f), (string)json["model"]!, (JsonObject)json["input"]!.DeepClone());
            });

    private static IEnumerable<string> Files() => System.IO.Directory.EnumerateFiles(Directory, "*.json").Order(StringComparer.Ordinal);

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Montage.Providers.Tests", "Catalog", "Golden");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/Montage.Providers.Tests/Catalog/Golden not found above the test output folder.");
    }
}
