using System.Globalization;
using System.Text;

namespace Montage.Providers.Local;

/// <summary>
/// The primitives of final assembly: normalise a clip (size, fps, pixel format, SAR 1:1, 48 kHz stereo audio,
/// silence where none), join with cuts or crossfades, mix background music with ducking under the voices,
/// normalise loudness (EBU R128, -16 LUFS) and put the moov atom first.
/// </summary>
public sealed class ClipAssembler(FfmpegRunner runner, MediaProbe probe)
{
    public const double DefaultLoudnessLufs = -16;

    /// <summary>Brings one clip to <paramref name="format"/>; letterboxes rather than crops, and adds silence if it has no audio.</summary>
    public async Task<double> NormalizeAsync(string inputPath, string outputPath, ClipFormat format, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(format);
        format.Check();
        var info = await probe.ProbeAsync(inputPath, cancellationToken).ConfigureAwait(false);
        if (info.Video is null)
        {
            throw new ArgumentException("The clip has no video stream.", nameof(inputPath));
        }

        var frames = ShotFilters.Frames(info.Video.DurationSeconds ?? info.DurationSeconds, format.Fps);
        var seconds = frames / (double)format.Fps;
        // Both streams are cut in the graph, not with -frames:v or -t: those end the whole output at once and lose
        // the audio encoder's last frame, leaving the audio a few hundredths of a second short.
        var video = $"[0:v]{ShotFilters.Video(format, frames)}[v]";
        var arguments = new List<string> { "-i", inputPath };
        var audio = info.Audio is not null ? $"[0:a]{ShotFilters.Audio(seconds)}[a]" : $"{ShotFilters.Silence(seconds)}[a]";
        arguments.AddRange(["-filter_complex", video + ";" + audio, "-map", "[v]", "-map", "[a]"]);
        arguments.AddRange(VideoEncoding.Video(runner.Options, format.Fps));
        arguments.AddRange(VideoEncoding.Audio());
        arguments.AddRange(VideoEncoding.Mp4());
        arguments.Add(outputPath);
        await runner.RunAsync(arguments, new FfmpegRun { ExpectedDuration = TimeSpan.FromSeconds(seconds) }, cancellationToken).ConfigureAwait(false);
        return seconds;
    }

    /// <summary>Joins normalised clips end to end (hard cuts).</summary>
    public Task ConcatAsync(IReadOnlyList<string> normalizedClips, string outputPath, IProgress<RenderProgress>? progress, CancellationToken cancellationToken) =>
        ConcatAsync(normalizedClips, null, outputPath, progress, cancellationToken);

    /// <summary>Joins normalised clips with cuts, passing the joined video through <paramref name="videoFilter"/> (e.g. burned-in subtitles) in the same encode.</summary>
    internal async Task ConcatAsync(IReadOnlyList<string> normalizedClips, string? videoFilter, string outputPath, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(normalizedClips);
        if (normalizedClips.Count == 0)
        {
            throw new ArgumentException("Give at least one clip.", nameof(normalizedClips));
        }

        var (durations, fps) = await DurationsAsync(normalizedClips, cancellationToken).ConfigureAwait(false);
        var graph = new StringBuilder();
        for (var i = 0; i < normalizedClips.Count; i++)
        {
            graph.Append(CultureInfo.InvariantCulture, $"[{i}:a]{AudioLength.Exactly(durations[i])}[a{i}];");
        }

        for (var i = 0; i < normalizedClips.Count; i++)
        {
            graph.Append(CultureInfo.InvariantCulture, $"[{i}:v][a{i}]");
        }

        graph.Append(CultureInfo.InvariantCulture, $"concat=n={normalizedClips.Count}:v=1:a=1[v][a]");
        await EncodeAsync(normalizedClips, graph.ToString(), videoFilter, fps, durations.Sum(), outputPath, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Joins normalised clips with crossfades of <paramref name="transitionSeconds"/>, rounded to whole frames (xfade for video, acrossfade for audio).</summary>
    public Task CrossfadeAsync(IReadOnlyList<string> normalizedClips, double transitionSeconds, string outputPath, IProgress<RenderProgress>? progress, CancellationToken cancellationToken) =>
        CrossfadeAsync(normalizedClips, transitionSeconds, null, outputPath, progress, cancellationToken);

    /// <summary>Joins normalised clips with crossfades, passing the joined video through <paramref name="videoFilter"/> in the same encode.</summary>
    internal async Task CrossfadeAsync(
        IReadOnlyList<string> normalizedClips, double transitionSeconds, string? videoFilter, string outputPath, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(normalizedClips);
        if (normalizedClips.Count < 2)
        {
            await ConcatAsync(normalizedClips, videoFilter, outputPath, progress, cancellationToken).ConfigureAwait(false);
            return;
        }

        var (durations, fps) = await DurationsAsync(normalizedClips, cancellationToken).ConfigureAwait(false);
        if (transitionSeconds <= 0 || durations.Any(d => d <= transitionSeconds + (1.0 / fps)))
        {
            throw new ArgumentException("Every clip must be longer than the transition.", nameof(transitionSeconds));
        }

        // A transition of whole frames keeps every offset on a frame boundary, so the length comes out exact.
        var fade = Math.Max(1, Math.Round(transitionSeconds * fps)) / fps;
        var t = FilterText.Number(fade);
        var count = normalizedClips.Count;
        var graph = new List<string>();
        for (var i = 0; i < count; i++)
        {
            graph.Add($"[{count + i}:a]{AudioLength.Exactly(durations[i])}[in{i}]");
        }

        var (video, audio, elapsed) = ("[0:v]", "[in0]", durations[0]);
        for (var i = 1; i < count; i++)
        {
            var offset = elapsed - fade;
            graph.Add($"{video}[{i}:v]xfade=transition=fade:duration={t}:offset={FilterText.Number(offset)}[v{i}]");
            graph.Add($"{audio}[in{i}]acrossfade=d={t}:c1=tri:c2=tri[a{i}]");
            (video, audio) = ($"[v{i}]", $"[a{i}]");
            elapsed = offset + durations[i];
        }

        graph.Add($"{video}null[v]");
        graph.Add($"{audio}anull[a]");

        // Audio reads its own copy of each clip: with one demuxer feeding both xfade and acrossfade, FFmpeg 5 can
        // drop a video frame inside the transition.
        await EncodeAsync([.. normalizedClips, .. normalizedClips], string.Join(';', graph), videoFilter, fps, elapsed, outputPath, progress, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Mixes looping background music (amix ends with the video's own audio) under the video's audio at <paramref name="musicVolume"/>; with
    /// <paramref name="duck"/> a sidechain compressor lowers the music while the voices speak. The video is copied.
    /// </summary>
    public async Task MixBackgroundAudioAsync(string videoPath, string musicPath, string outputPath, double musicVolume, bool duck, CancellationToken cancellationToken)
    {
        var info = await probe.ProbeAsync(videoPath, cancellationToken).ConfigureAwait(false);
        if (info.Audio is null)
        {
            throw new ArgumentException("Normalise the video first: it has no audio track to mix with.", nameof(videoPath));
        }

        var graph = ShotFilters.MusicUnder("[0:a]", "[1:a]", musicVolume, duck, info.Video?.DurationSeconds ?? info.Audio.DurationSeconds ?? info.DurationSeconds, "[a]");
        List<string> arguments =
        [
            "-i", videoPath, "-stream_loop", "-1", "-i", musicPath,
            "-filter_complex", graph, "-map", "0:v", "-map", "[a]", "-c:v", "copy",
            .. VideoEncoding.Audio(), .. VideoEncoding.Mp4(), outputPath,
        ];
        await runner.RunAsync(arguments, new FfmpegRun { ExpectedDuration = TimeSpan.FromSeconds(info.DurationSeconds) }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Two-pass EBU R128 loudness normalisation to <paramref name="targetLufs"/> (see <see cref="LoudnessNormalizer"/>); the
    /// video is copied. Always writes <paramref name="outputPath"/>, even when the input is already levelled.
    /// </summary>
    public async Task NormalizeLoudnessAsync(string inputPath, string outputPath, double targetLufs, CancellationToken cancellationToken)
    {
        var loudness = new LoudnessNormalizer(runner);
        var measured = await loudness.MeasureAsync(inputPath, cancellationToken).ConfigureAwait(false);
        if (!await loudness.NormalizeAsync(inputPath, outputPath, targetLufs, measured, cancellationToken).ConfigureAwait(false))
        {
            File.Copy(inputPath, outputPath, overwrite: true);
        }
    }

    /// <summary>Rewrites an MP4 with its index (moov) before the media data, so players start before the download ends.</summary>
    public Task FaststartAsync(string inputPath, string outputPath, CancellationToken cancellationToken) =>
        runner.RunAsync(["-i", inputPath, "-map", "0", "-c", "copy", .. VideoEncoding.Mp4(), outputPath], null, cancellationToken);

    /// <summary>Integrated loudness (LUFS) of a file's audio, measured with the ebur128 filter.</summary>
    public async Task<double> MeasureLoudnessAsync(string inputPath, CancellationToken cancellationToken)
    {
        using var work = new WorkArea(runner.Options);
        var report = work.File("loudness.txt");
        await runner.RunAsync(
            ["-i", inputPath, "-vn", "-af", $"ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file={FilterText.Value(report)}", "-f", "null", "-"],
            null,
            cancellationToken).ConfigureAwait(false);
        var last = (await File.ReadAllLinesAsync(report, cancellationToken).ConfigureAwait(false))
            .LastOrDefault(l => l.StartsWith("lavfi.r128.I=", StringComparison.Ordinal))
            ?? throw new FfmpegException("No loudness was measured.");
        return double.Parse(last["lavfi.r128.I=".Length..], CultureInfo.InvariantCulture);
    }

    private async Task<(List<double> Durations, int Fps)> DurationsAsync(IReadOnlyList<string> clips, CancellationToken cancellationToken)
    {
        var durations = new List<double>();
        var fps = 0;
        foreach (var clip in clips)
        {
            var info = await probe.ProbeAsync(clip, cancellationToken).ConfigureAwait(false);
            if (info.Video is null || info.Audio is null)
            {
                throw new ArgumentException("Normalise clips before joining them: each needs video and audio.", nameof(clips));
            }

            durations.Add(info.Video.DurationSeconds ?? info.DurationSeconds);
            fps = Math.Max(fps, (int)Math.Round(info.Video.FramesPerSecond));
        }

        return (durations, fps);
    }

    private async Task EncodeAsync(
        IReadOnlyList<string> inputs, string graph, string? videoFilter, int fps, double seconds, string outputPath, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        var arguments = new List<string>();
        foreach (var input in inputs)
        {
            arguments.AddRange(["-i", input]);
        }

        var (fullGraph, video) = videoFilter is null ? (graph, "[v]") : ($"{graph};[v]{videoFilter}[vf]", "[vf]");
        arguments.AddRange(["-filter_complex", fullGraph, "-map", video, "-map", "[a]"]);
        arguments.AddRange(VideoEncoding.Video(runner.Options, fps));
        arguments.AddRange(VideoEncoding.Audio());
        arguments.AddRange(VideoEncoding.Mp4());
        arguments.Add(outputPath);
        await runner.RunAsync(arguments, new FfmpegRun { ExpectedDuration = TimeSpan.FromSeconds(seconds), Progress = progress }, cancellationToken).ConfigureAwait(false);
    }
}
