using System.Globalization;

namespace Montage.Providers.Local;

/// <summary>A shot for the re-encode path: its file and how many frames of the episode's rate it fills.</summary>
internal sealed record EncodedShot(string Path, int Frames);

/// <summary>
/// Writes an episode whose clips cannot be stream-copied with one video encode: every clip is decoded and normalised
/// inside one filter graph (size, square pixels, frame rate, pixel format, cut at a whole frame), joined with cuts or
/// crossfades, optionally drawn on (subtitles), and encoded once; the programme audio from <see cref="EpisodeSoundtrack"/>
/// is levelled and encoded to AAC in the same run. No intermediate clip is written and nothing is encoded twice.
/// </summary>
internal sealed class EpisodeEncoder(FfmpegRunner runner)
{
    public async Task EncodeAsync(
        IReadOnlyList<EncodedShot> shots, ClipFormat format, double? fadeSeconds, string soundtrackPath, string audioFilter, string? videoFilter, string outputPath,
        IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        var arguments = Arguments(shots, format, fadeSeconds, soundtrackPath, audioFilter, videoFilter, outputPath, runner.Options);
        var seconds = (shots.Sum(s => s.Frames) / (double)format.Fps) - ((fadeSeconds ?? 0) * (shots.Count - 1));
        await runner.RunAsync(arguments, new FfmpegRun { ExpectedDuration = TimeSpan.FromSeconds(seconds), Progress = progress }, cancellationToken).ConfigureAwait(false);
    }

    internal static List<string> Arguments(
        IReadOnlyList<EncodedShot> shots, ClipFormat format, double? fadeSeconds, string soundtrackPath, string audioFilter, string? videoFilter, string outputPath,
        LocalEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(shots);
        ArgumentNullException.ThrowIfNull(format);
        if (shots.Count == 0)
        {
            throw new ArgumentException("Give at least one shot.", nameof(shots));
        }

        var arguments = new List<string>();
        var graph = new List<string>();
        for (var i = 0; i < shots.Count; i++)
        {
            // Only the pictures: the sound comes from the soundtrack, so the clips' audio is not even demuxed.
            arguments.AddRange(["-an", "-sn", "-dn", "-i", shots[i].Path]);
            graph.Add(string.Create(CultureInfo.InvariantCulture, $"[{i}:v:0]{ShotFilters.Video(format, shots[i].Frames)}[v{i}]"));
        }

        arguments.AddRange(["-i", soundtrackPath]);
        var joined = fadeSeconds is { } fade && shots.Count > 1 ? Crossfade(shots, format.Fps, fade, graph) : Concat(shots.Count, graph);
        graph.Add(videoFilter is null ? $"{joined}null[v]" : $"{joined}{videoFilter}[v]");
        graph.Add(string.Create(CultureInfo.InvariantCulture, $"[{shots.Count}:a:0]{audioFilter}[a]"));
        arguments.AddRange(["-filter_complex", string.Join(';', graph), "-map", "[v]", "-map", "[a]"]);
        arguments.AddRange([.. VideoEncoding.Video(options, format.Fps), .. VideoEncoding.Audio(), .. VideoEncoding.Mp4(), outputPath]);
        return arguments;
    }

    private static string Concat(int count, List<string> graph)
    {
        var labels = string.Concat(Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"[v{i}]")));
        graph.Add(string.Create(CultureInfo.InvariantCulture, $"{labels}concat=n={count}:v=1:a=0[joined]"));
        return "[joined]";
    }

    private static string Crossfade(IReadOnlyList<EncodedShot> shots, int fps, double fade, List<string> graph)
    {
        var t = FilterText.Number(fade);
        var (current, elapsed) = ("[v0]", shots[0].Frames / (double)fps);
        for (var i = 1; i < shots.Count; i++)
        {
            var offset = elapsed - fade;
            var next = string.Create(CultureInfo.InvariantCulture, $"[x{i}]");
            // xfade (FFmpeg 5.1) leaves a one-frame hole in the timestamps where the transition ends, which the
            // constant-rate encoder fills with a repeated frame: re-stamping the frames in order keeps the length exact.
            graph.Add(string.Create(CultureInfo.InvariantCulture,
                $"{current}[v{i}]xfade=transition=fade:duration={t}:offset={FilterText.Number(offset)},setpts=N/({fps}*TB){next}"));
            (current, elapsed) = (next, offset + (shots[i].Frames / (double)fps));
        }

        return current;
    }
}
