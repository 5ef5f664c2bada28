using System.Globalization;
using System.Text.Json;

namespace Montage.Providers.Local;

/// <summary>What decides whether a clip can be joined by stream copy: its streams' codecs, shapes and codec parameters.</summary>
/// <param name="Path">The clip.</param>
/// <param name="VideoStreams">Number of video streams (cover art counts too).</param>
/// <param name="AudioStreams">Number of audio streams.</param>
/// <param name="Video">The first video stream, if any.</param>
/// <param name="Audio">The first audio stream, if any.</param>
/// <param name="ContainerSeconds">The container's duration, for streams that state none (NaN when unknown).</param>
public sealed record ClipStreamFacts(string Path, int VideoStreams, int AudioStreams, ClipVideoFacts? Video, ClipAudioFacts? Audio, double ContainerSeconds = double.NaN)
{
    /// <summary>How long the pictures last: the video stream's duration, else the container's.</summary>
    public double VideoSeconds => Video is { DurationSeconds: var seconds } && double.IsFinite(seconds) ? seconds : ContainerSeconds;
}

/// <summary>
/// A clip's video stream as the concat demuxer sees it. <c>ParametersHash</c> is a hash of the codec's extradata
/// (H.264: SPS and PPS); clips joined by copy must share it.
/// </summary>
public sealed record ClipVideoFacts(
    string Codec, int Width, int Height, string? PixelFormat, string? SampleAspectRatio, string AverageFrameRate, string RealFrameRate,
    double StartSeconds, double DurationSeconds, string? ParametersHash);

/// <summary>A clip's audio stream as the concat demuxer sees it.</summary>
public sealed record ClipAudioFacts(string Codec, int SampleRate, int Channels, double StartSeconds, double DurationSeconds, string? ParametersHash);

/// <summary>Reads <see cref="ClipStreamFacts"/>: from the MP4 index for plain MP4 clips, otherwise with one ffprobe run per clip.</summary>
public sealed class ClipStreamProbe(FfmpegRunner runner)
{
    /// <summary>
    /// Probes every clip, a few at a time: each ffprobe spends most of its CPU starting up (loading FFmpeg's libraries)
    /// and waiting for the file, so running them side by side shortens the wait without adding work.
    /// </summary>
    public async Task<IReadOnlyList<ClipStreamFacts>> ProbeAllAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var facts = new ClipStreamFacts[paths.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount), CancellationToken = cancellationToken };
        await Parallel.ForAsync(0, paths.Count, options, async (i, ct) => facts[i] = await ProbeAsync(paths[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return facts;
    }

    /// <summary>The clip's facts from its MP4 index when it is a plain MP4 (<see cref="Mp4StreamFacts"/>), else from ffprobe.</summary>
    public async Task<ClipStreamFacts> ProbeAsync(string path, CancellationToken cancellationToken) =>
        Mp4StreamFacts.TryRead(path) ?? await ProbeWithFfprobeAsync(path, cancellationToken).ConfigureAwait(false);

    /// <summary>The clip's facts as ffprobe reports them.</summary>
    public async Task<ClipStreamFacts> ProbeWithFfprobeAsync(string path, CancellationToken cancellationToken)
    {
        var json = await runner.ProbeAsync(["-print_format", "json", "-show_streams", "-show_format", "-show_data_hash", "sha256", path], cancellationToken)
            .ConfigureAwait(false);
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

        var container = document.RootElement.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.Object ? Number(format, "duration") : double.NaN;
        return new ClipStreamFacts(path, videos, audios, video, audio, container);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int Integer(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;

    private static double Number(JsonElement element, string name) =>
        double.TryParse(Text(element, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;
}
