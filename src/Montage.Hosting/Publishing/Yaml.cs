using YamlDotNet.Serialization;

namespace Montage.Hosting.Publishing;

/// <summary>Manifests are built as plain maps and lists, then written with YamlDotNet.</summary>
internal static class Yaml
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .DisableAliases()
        .Build();

    public static string Write(object document) => Serializer.Serialize(document);

    public static string WriteAll(IEnumerable<object> documents) => string.Join("---\n", documents.Select(Write));

    public static Dictionary<string, object?> Map(params (string Key, object? Value)[] entries)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            if (value is not null)
            {
                map[key] = value;
            }
        }

        return map;
    }
}
