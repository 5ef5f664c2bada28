using System.Text.Json.Nodes;

namespace Montage.FakeProviders;

internal static class FakeOutputs
{
    /// <summary>Video for video/avatar models (with audio when the model generates or receives it), an image otherwise.</summary>
    public static FakeMediaKind KindFor(string model, JsonObject input)
    {
        var video = model.Contains("video", StringComparison.OrdinalIgnoreCase) || model.Contains("avatar", StringComparison.OrdinalIgnoreCase);
        if (!video)
        {
            return FakeMediaKind.Image;
        }

        var avatar = model.Contains("avatar", StringComparison.OrdinalIgnoreCase);
        var generatesAudioByDefault = model.Contains("v2.6", StringComparison.Ordinal) || model.Contains("ltx-2", StringComparison.Ordinal)
            || model.Contains("veo3", StringComparison.Ordinal);
        var audio = avatar || input["audio_url"] is not null
            || (Flag(input["generate_audio"]) ?? generatesAudioByDefault)
            || Flag(input["sound"]) == true;
        return audio ? FakeMediaKind.VideoWithAudio : FakeMediaKind.Video;
    }

    public static int Count(JsonObject input)
    {
        var n = input["num_images"] is JsonValue v && v.TryGetValue<int>(out var count) ? count : 1;
        return Math.Clamp(n, 1, 8);
    }

    private static bool? Flag(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;
}
