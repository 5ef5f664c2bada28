using System.Text.Json.Nodes;
using Montage.Providers.Abstractions;
using Montage.Providers.Http;

namespace Montage.Providers.Kie;

/// <summary>The <c>data</c> of recordInfo (and of callbacks): state, result URLs (resultJson is a JSON string), failure.</summary>
internal sealed record KieTaskRecord(string TaskId, string? State, JsonObject Raw)
{
    public static KieTaskRecord? From(JsonNode? data) =>
        data is JsonObject obj && JsonText.Text(obj["taskId"]) is { Length: > 0 } taskId
            ? new KieTaskRecord(taskId, JsonText.String(obj["state"]), obj)
            : null;

    public ProviderStatus ToStatus() => State switch
    {
        "waiting" or "queuing" => ProviderStatus.Queued(null),
        "generating" => ProviderStatus.Running(),
        "success" => ProviderStatus.Completed(),
        "fail" => ProviderStatus.Failed(Failure()),
        _ => ProviderStatus.Running(),
    };

    public ProviderError Failure() => KieCodes.TaskFailure(JsonText.Text(Raw["failCode"]), JsonText.Text(Raw["failMsg"]));

    /// <summary>The parsed resultJson, e.g. <c>{"resultUrls":[...]}</c>.</summary>
    public JsonNode? ResultJson() => Raw["resultJson"] switch
    {
        JsonValue value when JsonText.String(value) is { } text => JsonText.TryParse(text),
        JsonObject obj => obj.DeepClone(),
        _ => null,
    };

    public IReadOnlyList<ProviderOutputFile> Files()
    {
        var files = new List<ProviderOutputFile>();
        if (ResultJson() is JsonObject result && result["resultUrls"] is JsonArray urls)
        {
            for (var i = 0; i < urls.Count; i++)
            {
                if (Uri.TryCreate(JsonText.String(urls[i]), UriKind.Absolute, out var url))
                {
                    files.Add(new ProviderOutputFile(url, $"resultUrls[{i}]")
                    {
                        ContentType = ContentTypes.FromUrl(url),
                        FileName = Path.GetFileName(url.AbsolutePath),
                    });
                }
            }
        }

        return files;
    }
}
