namespace Montage.Providers.Local;

/// <summary>An episode to assemble from its shots.</summary>
/// <param name="ClipPaths">Shots in order.</param>
/// <param name="Format">Size and frame rate of the episode.</param>
/// <param name="CrossfadeSeconds">Crossfade between shots; null joins with cuts.</param>
/// <param name="MusicPath">Optional background music, looped and mixed under the shots' audio.</param>
/// <param name="MusicVolume">Music level before ducking (0..1).</param>
/// <param name="DuckMusic">Lower the music while the shots' audio is loud.</param>
/// <param name="LoudnessLufs">Integrated loudness target; null leaves the level as mixed.</param>
/// <param name="SubtitlesPath">Optional SRT, WebVTT or ASS file burned into the picture.</param>
/// <param name="AllowStreamCopy">Join matching clips without re-encoding their video; false always re-encodes (for comparisons).</param>
public sealed record EpisodeRequest(
    IReadOnlyList<string> ClipPaths,
    ClipFormat Format,
    double? CrossfadeSeconds = null,
    string? MusicPath = null,
    double MusicVolume = 0.25,
    bool DuckMusic = true,
    double? LoudnessLufs = ClipAssembler.DefaultLoudnessLufs,
    string? SubtitlesPath = null,
    bool AllowStreamCopy = true);

/// <summary>How an episode was made.</summary>
/// <param name="VideoStreamCopied">The clips' video was joined by stream copy (no video encode at all unless subtitles were burned).</param>
/// <param name="StreamCopyRefusal">Why the clips could not be stream-copied; null when they were, or when the request ruled copying out.</param>
/// <param name="Loudness">The programme's loudness before levelling; null when no target was asked.</param>
/// <param name="LoudnessChanged">Whether the levelling pass re-encoded the audio (false: it already met the target).</param>
public sealed record EpisodeReport(bool VideoStreamCopied, string? StreamCopyRefusal, LoudnessMeasurement? Loudness, bool LoudnessChanged);

/// <summary>
/// local/assemble. Clips that already share the episode's format and codec parameters, joined with cuts, are joined
/// by stream copy (see <see cref="StreamCopyJoiner"/>); otherwise every clip is normalised and the joined episode is
/// encoded once more, with crossfades and subtitles in that same encode. Music is mixed and loudness levelled on the
/// audio alone, copying the video. Loudness forces an audio re-encode only when the programme measures more than
/// <see cref="LoudnessNormalizer.Tolerance"/> LU from the target or peaks above the ceiling.
/// </summary>
public sealed class EpisodeAssembler(FfmpegRunner runner, ClipAssembler clips)
{
    private readonly MediaProbe _probe = new(runner);
    private readonly ClipStreamProbe _facts = new(runner);
    private readonly StreamCopyJoiner _copier = new(runner);
    private readonly SubtitleBurner _subtitles = new(runner);
    private readonly LoudnessNormalizer _loudness = new(runner);

    public async Task<EpisodeReport> RenderAsync(EpisodeRequest request, string outputPath, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ClipPaths.Count == 0)
        {
            throw new ArgumentException("Give at least one clip.", nameof(request));
        }

        request.Format.Check();
        if (request.SubtitlesPath is { } subtitles)
        {
            await _subtitles.CheckAsync(subtitles, cancellationToken).ConfigureAwait(false);
        }

        using var work = new WorkArea(runner.Options);
        var joined = work.File("joined.mp4");
        string? refusal = null;
        var copied = false;
        if (request.AllowStreamCopy && request.CrossfadeSeconds is null)
        {
            var facts = new List<ClipStreamFacts>();
            foreach (var clip in request.ClipPaths)
            {
                facts.Add(await _facts.ProbeAsync(clip, cancellationToken).ConfigureAwait(false));
            }

            refusal = StreamCopyRule.WhyNot(facts, request.Format);
            if (refusal is null)
            {
                await _copier.JoinAsync(facts, joined, Scaled(progress, 0, 0.3), cancellationToken).ConfigureAwait(false);
                copied = true;
            }
        }

        var current = joined;
        if (copied && request.SubtitlesPath is { } burnIn)
        {
            var burned = work.File("subtitled.mp4");
            var seconds = (await _probe.ProbeAsync(joined, cancellationToken).ConfigureAwait(false)).DurationSeconds;
            await _subtitles.BurnAsync(joined, burnIn, request.Format.Fps, seconds, burned, Scaled(progress, 0.3, 0.6), cancellationToken).ConfigureAwait(false);
            current = burned;
        }
        else if (!copied)
        {
            await NormalizeAndJoinAsync(request, work, joined, progress, cancellationToken).ConfigureAwait(false);
        }

        if (request.MusicPath is not null)
        {
            var mixed = work.File("mixed.mp4");
            await clips.MixBackgroundAudioAsync(current, request.MusicPath, mixed, request.MusicVolume, request.DuckMusic, cancellationToken).ConfigureAwait(false);
            current = mixed;
        }

        LoudnessMeasurement? loudness = null;
        var levelled = false;
        if (request.LoudnessLufs is { } lufs)
        {
            loudness = await _loudness.MeasureAsync(current, cancellationToken).ConfigureAwait(false);
            var target = work.File("levelled.mp4");
            if (await _loudness.NormalizeAsync(current, target, lufs, loudness, cancellationToken).ConfigureAwait(false))
            {
                (current, levelled) = (target, true);
            }
        }

        // Every step writes moov first, so the last file is the episode.
        File.Move(current, outputPath, overwrite: true);
        progress?.Report(new RenderProgress(TimeSpan.Zero, 1));
        return new EpisodeReport(copied, refusal, loudness, levelled);
    }

    private async Task NormalizeAndJoinAsync(EpisodeRequest request, WorkArea work, string joined, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        var normalized = new List<string>();
        for (var i = 0; i < request.ClipPaths.Count; i++)
        {
            var path = work.File($"clip{i:D3}.mp4");
            await clips.NormalizeAsync(request.ClipPaths[i], path, request.Format, cancellationToken).ConfigureAwait(false);
            normalized.Add(path);
            // Normalising is roughly the first half of the work.
            progress?.Report(new RenderProgress(TimeSpan.Zero, 0.5 * (i + 1) / request.ClipPaths.Count));
        }

        var videoFilter = request.SubtitlesPath is { } subtitles ? SubtitleBurner.Filter(subtitles) : null;
        var joinProgress = Scaled(progress, 0.5, 0.9);
        if (request.CrossfadeSeconds is { } fade)
        {
            await clips.CrossfadeAsync(normalized, fade, videoFilter, joined, joinProgress, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await clips.ConcatAsync(normalized, videoFilter, joined, joinProgress, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Progress<RenderProgress>? Scaled(IProgress<RenderProgress>? progress, double from, double to) =>
        progress is null ? null : new Progress<RenderProgress>(p => progress.Report(p with { Fraction = from + ((to - from) * (p.Fraction ?? 0)) }));
}
