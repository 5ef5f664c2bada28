using System.Globalization;
using System.Text.Json;

namespace Montage.Providers.Local;

/// <summary>What decides whether a clip can be joined by stream copy: its streams' codecs, shapes and codec parameters.</summary>
/// <param name="Path">The clip.</param>
/// <param name="VideoStreams">Number of video streams (cover art counts too).</param>
/// <param name="AudioStreams">Number of audio streams.</param>
/// <param name="Video">The first video stream, if any.</param>
/// <param name="Audio">The first audio stream, if any.</param>
public sealed record ClipStreamFacts(string Path, int VideoStreams, int AudioStreams, ClipVideoFacts? Video, ClipAudioFacts? Audio);

/// <summary>
/// A clip's video stream as the concat demuxer sees it. <c>ParametersHash</c> is a hash of the codec's extradata
/// (H.264: SPS and PPS); clips joined by copy must share it.
/// </summary>
public sealed record ClipVideoFacts(
    string Codec, int Width, int Height, string? PixelFormat, string? SampleAspectRatio, string AverageFrameRate, string RealFrameRate,
    double StartSeconds, double DurationSeconds, string? ParametersHash);

/// <summary>A clip's audio stream as the concat demuxer sees it.</summary>
public sealed record ClipAudioFacts(string Codec, int SampleRate, int Channels, double StartSeconds, double DurationSeconds, string? ParametersHash);

/// <summary>Reads <see cref="ClipStreamFacts"/> with one ffprobe run per clip.</summary>
public sealed class ClipStreamProbe(FfmpegRunner runner)
{
    public async Task<ClipStreamFacts> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        var json = await runner.ProbeAsync(["-print_format", "json", "-show_streams", "-show_data_hash", "sha256", path], cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(json);
        var (videos, audios) = (0, 0);
        ClipVideoFacts? video = null;
        ClipAudioFacts? audio = null;
        foreach (var stream in document.RootElement.TryGetProperty("streams", out var streams) ? streams.EnumerateArray() : default)
        {
            switch (Text(stream, "codec_type"))
            {
                case "video":
                    videos++;
                    video ??= new ClipVideoFacts(
                        Text(stream, "codec_name") ?? "",
                        Integer(stream, "width"),
                        Integer(stream, "height"),
                        Text(stream, "pix_fmt"),
                        Text(stream, "sample_aspect_ratio"),
                        Text(stream, "avg_frame_rate") ?? "",
                        Text(stream, "r_frame_rate") ?? "",
                        Number(stream, "start_time"),
                        Number(stream, "duration"),
                        Text(stream, "extradata_hash"));
                    break;
                case "audio":
                    audios++;
                    audio ??= new ClipAudioFacts(
                        Text(stream, "codec_name") ?? "",
                        int.TryParse(Text(stream, "sample_rate"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var rate) ? rate : 0,
                        Integer(stream, "channels"),
                        Number(stream, "start_time"),
                        Number(stream, "duration"),
                        Text(stream, "extradata_hash"));
                    break;
            }
        }

        return new ClipStreamFacts(path, videos, audios, video, audio);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int Integer(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;

    private static double Number(JsonElement element, string name) =>
        double.TryParse(Text(element, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;
}
