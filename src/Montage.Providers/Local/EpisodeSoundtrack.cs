using System.Globalization;

namespace Montage.Providers.Local;

/// <summary>One shot's share of the programme audio: its file's first audio stream, or silence, lasting exactly <paramref name="Seconds"/>.</summary>
internal sealed record SoundSegment(string Path, bool HasAudio, double Seconds);

/// <summary>What goes into an episode's programme audio besides the shots' own sound.</summary>
internal sealed record SoundtrackPlan(IReadOnlyList<SoundSegment> Segments, double? FadeSeconds, string? MusicPath, double MusicVolume, bool DuckMusic, bool Measure)
{
    /// <summary>The programme's length: the shots end to end, less one fade per join.</summary>
    public double Seconds => Segments.Sum(s => s.Seconds) - ((FadeSeconds ?? 0) * (Segments.Count - 1));
}

/// <summary>
/// Builds an episode's whole programme audio in one FFmpeg process: every shot's sound decoded, brought to 48 kHz
/// stereo and cut or padded to its pictures' exact length (silence for a shot without sound; copied AAC would keep
/// each clip's encoder priming and padding and drift from the pictures), joined with cuts or crossfades, music mixed
/// under it, and in the same pass measured (EBU R128 with true peak). The result is lossless PCM: the episode's one
/// AAC encode happens when it is written, with the levelling gain applied there.
/// </summary>
internal sealed class EpisodeSoundtrack(FfmpegRunner runner)
{
    /// <summary>Writes the programme to <paramref name="wavPath"/>; returns its loudness when the plan asks for a measurement.</summary>
    public async Task<LoudnessMeasurement?> RenderAsync(SoundtrackPlan plan, string wavPath, CancellationToken cancellationToken)
    {
        var arguments = Arguments(plan, wavPath);
        if (!plan.Measure)
        {
            await runner.RunAsync(arguments, null, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var log = await runner.RunForLogAsync(arguments, cancellationToken).ConfigureAwait(false);
        return LoudnessMeasurement.ParseSummary(log);
    }

    /// <summary>The FFmpeg arguments: one audio-only input per shot with sound (video, subtitles and data are not even demuxed), then the music.</summary>
    internal static List<string> Arguments(SoundtrackPlan plan, string wavPath)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Segments.Count == 0)
        {
            throw new ArgumentException("Give at least one shot.", nameof(plan));
        }

        var arguments = new List<string>();
        var graph = new List<string>();
        var inputs = 0;
        for (var i = 0; i < plan.Segments.Count; i++)
        {
            var segment = plan.Segments[i];
            if (segment.HasAudio)
            {
                arguments.AddRange(["-vn", "-sn", "-dn", "-i", segment.Path]);
                graph.Add(string.Create(CultureInfo.InvariantCulture, $"[{inputs++}:a:0]{ShotFilters.Audio(segment.Seconds)}[s{i}]"));
            }
            else
            {
                graph.Add(string.Create(CultureInfo.InvariantCulture, $"{ShotFilters.Silence(segment.Seconds)}[s{i}]"));
            }
        }

        graph.Add(Join(plan));
        var total = plan.Seconds;
        if (plan.MusicPath is { } music)
        {
            arguments.AddRange(["-vn", "-sn", "-dn", "-stream_loop", "-1", "-i", music]);
            graph.Add(ShotFilters.MusicUnder("[joined]", string.Create(CultureInfo.InvariantCulture, $"[{inputs}:a:0]"), plan.MusicVolume, plan.DuckMusic, total, "[programme]"));
        }
        else
        {
            graph.Add($"[joined]{AudioLength.Exactly(total)}[programme]");
        }

        // framelog=verbose: the summary is all that is read; the per-100 ms lines would only fill the log.
        graph.Add(plan.Measure ? "[programme]asplit=2[out][meter];[meter]ebur128=peak=true:framelog=verbose,anullsink" : "[programme]anull[out]");
        arguments.AddRange(["-filter_complex", string.Join(';', graph), "-map", "[out]", "-c:a", "pcm_f32le", "-rf64", "auto", "-f", "wav", wavPath]);
        return arguments;
    }

    private static string Join(SoundtrackPlan plan)
    {
        var count = plan.Segments.Count;
        if (plan.FadeSeconds is not { } fade || count == 1)
        {
            var labels = string.Concat(Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"[s{i}]")));
            return string.Create(CultureInfo.InvariantCulture, $"{labels}concat=n={count}:v=0:a=1[joined]");
        }

        var t = FilterText.Number(fade);
        var steps = new List<string>();
        var current = "[s0]";
        for (var i = 1; i < count; i++)
        {
            var next = i == count - 1 ? "[joined]" : string.Create(CultureInfo.InvariantCulture, $"[x{i}]");
            steps.Add(string.Create(CultureInfo.InvariantCulture, $"{current}[s{i}]acrossfade=d={t}:c1=tri:c2=tri{next}"));
            current = next;
        }

        return string.Join(';', steps);
    }
}
