using System.Globalization;
using System.Text.Json;

namespace Montage.Providers.Local;

/// <summary>Reads streams, sizes and durations of a media file with ffprobe.</summary>
public sealed class MediaProbe(FfmpegRunner runner)
{
    public async Task<MediaInfo> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        var json = await runner.ProbeAsync(["-print_format", "json", "-show_format", "-show_streams", path], cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        VideoStreamInfo? video = null;
        AudioStreamInfo? audio = null;
        var count = 0;
        if (root.TryGetProperty("streams", out var streams))
        {
            foreach (var stream in streams.EnumerateArray())
            {
                count++;
                var type = Text(stream, "codec_type");
                if (type == "video" && video is null)
                {
                    video = new VideoStreamInfo(
                        Text(stream, "codec_name") ?? "",
                        Integer(stream, "width"),
                        Integer(stream, "height"),
                        Text(stream, "pix_fmt"),
                        Rate(Text(stream, "avg_frame_rate")) is > 0 and var average ? average : Rate(Text(stream, "r_frame_rate")),
                        Number(stream, "duration"),
                        Text(stream, "sample_aspect_ratio"));
                }
                else if (type == "audio" && audio is null)
                {
                    audio = new AudioStreamInfo(
                        Text(stream, "codec_name") ?? "",
                        int.TryParse(Text(stream, "sample_rate"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var rate) ? rate : 0,
                        Integer(stream, "channels"),
                        Number(stream, "duration"));
                }
            }
        }

        var format = root.TryGetProperty("format", out var f) ? f : default;
        var duration = format.ValueKind == JsonValueKind.Object ? Number(format, "duration") : null;
        var formatName = format.ValueKind == JsonValueKind.Object ? Text(format, "format_name") ?? "" : "";
        return new MediaInfo(duration ?? video?.DurationSeconds ?? audio?.DurationSeconds ?? 0, formatName, video, audio, count);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int Integer(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;

    private static double? Number(JsonElement element, string name) =>
        double.TryParse(Text(element, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static double Rate(string? fraction)
    {
        if (fraction is null)
        {
            return 0;
        }

        var parts = fraction.Split('/');
        return parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var numerator)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var denominator)
            && denominator != 0
            ? numerator / denominator
            : 0;
    }
}
