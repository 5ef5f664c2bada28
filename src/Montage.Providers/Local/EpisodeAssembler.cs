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
/// <param name="LoudnessChanged">Whether a levelling gain (or loudnorm) was applied (false: the programme already met the target).</param>
public sealed record EpisodeReport(bool VideoStreamCopied, string? StreamCopyRefusal, LoudnessMeasurement? Loudness, bool LoudnessChanged);

/// <summary>
/// local/assemble, in two FFmpeg runs once every clip's streams are known (<see cref="ClipStreamProbe"/>: read from a
/// plain MP4's index, otherwise with ffprobe). First the programme audio (<see cref="EpisodeSoundtrack"/>):
/// every shot's sound cut to its pictures, joined, music mixed, loudness measured, all in one pass to lossless PCM. Then
/// the episode is written once: clips that already share the episode's format and codec parameters, joined with cuts,
/// have their video copied by the concat demuxer (<see cref="StreamCopyJoiner"/>, re-encoded only to burn subtitles);
/// any other request decodes and normalises every clip in one filter graph and encodes the video once
/// (<see cref="EpisodeEncoder"/>). Either way the audio is encoded to AAC exactly once, with the levelling gain.
/// </summary>
public sealed class EpisodeAssembler(FfmpegRunner runner, ClipAssembler clips)
{
    private readonly ClipStreamProbe _facts = new(runner);
    private readonly StreamCopyJoiner _copier = new(runner);
    private readonly EpisodeEncoder _encoder = new(runner);
    private readonly EpisodeSoundtrack _soundtrack = new(runner);
    private readonly SubtitleBurner _subtitles = new(runner);

    /// <summary>The clip primitives this assembler shares its filters with.</summary>
    public ClipAssembler Clips { get; } = clips;

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

        var facts = await _facts.ProbeAllAsync(request.ClipPaths, cancellationToken).ConfigureAwait(false);
        string? refusal = null;
        if (request.AllowStreamCopy && request.CrossfadeSeconds is null)
        {
            refusal = StreamCopyRule.WhyNot(facts, request.Format);
        }

        var copy = request.AllowStreamCopy && request.CrossfadeSeconds is null && refusal is null;
        var fps = request.Format.Fps;
        var shots = copy ? null : Shots(facts, fps);
        var fade = copy ? null : Fade(request.CrossfadeSeconds, shots!, fps);
        var segments = copy
            ? facts.Select(f => new SoundSegment(f.Path, HasAudio: true, f.Video!.DurationSeconds)).ToList()
            : facts.Zip(shots!, (f, s) => new SoundSegment(f.Path, f.Audio is not null, s.Frames / (double)fps)).ToList();
        var plan = new SoundtrackPlan(segments, fade, request.MusicPath, request.MusicVolume, request.DuckMusic, Measure: request.LoudnessLufs is not null);
        progress?.Report(new RenderProgress(TimeSpan.Zero, 0.05));

        using var work = new WorkArea(runner.Options);
        var soundtrack = work.File("programme.wav");
        var loudness = await _soundtrack.RenderAsync(plan, soundtrack, cancellationToken).ConfigureAwait(false);
        var levelling = loudness is not null && request.LoudnessLufs is { } target ? LoudnessNormalizer.LevellingFilter(loudness, target, plan.Seconds) : null;
        var audioFilter = levelling ?? "anull";
        var videoFilter = request.SubtitlesPath is { } burnIn ? SubtitleBurner.Filter(burnIn) : null;
        progress?.Report(new RenderProgress(TimeSpan.Zero, 0.15));

        // Written beside the work files and moved at the end, so a failed render never leaves a partial episode.
        var episode = work.File("episode.mp4");
        var writing = Scaled(progress, 0.15, 1);
        if (copy)
        {
            await _copier.JoinAsync(facts, soundtrack, audioFilter, videoFilter, fps, episode, writing, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _encoder.EncodeAsync(shots!, request.Format, fade, soundtrack, audioFilter, videoFilter, episode, writing, cancellationToken).ConfigureAwait(false);
        }

        File.Move(episode, outputPath, overwrite: true);
        progress?.Report(new RenderProgress(TimeSpan.Zero, 1));
        return new EpisodeReport(copy, refusal, loudness, levelling is not null);
    }

    /// <summary>Each clip as whole frames of the episode's rate: the length its normalised pictures (and sound) will have.</summary>
    private static List<EncodedShot> Shots(IReadOnlyList<ClipStreamFacts> facts, int fps)
    {
        var shots = new List<EncodedShot>();
        foreach (var clip in facts)
        {
            if (clip.Video is null || !double.IsFinite(clip.VideoSeconds))
            {
                throw new ArgumentException($"The clip {Path.GetFileName(clip.Path)} has no video stream.", nameof(facts));
            }

            shots.Add(new EncodedShot(clip.Path, ShotFilters.Frames(clip.VideoSeconds, fps)));
        }

        return shots;
    }

    /// <summary>The crossfade rounded to whole frames, which keeps every offset on a frame boundary and the length exact.</summary>
    private static double? Fade(double? seconds, IReadOnlyList<EncodedShot> shots, int fps)
    {
        if (seconds is not { } requested || shots.Count < 2)
        {
            return null;
        }

        var fade = Math.Max(1, Math.Round(requested * fps)) / fps;
        if (requested <= 0 || shots.Any(s => s.Frames <= (fade * fps) + 1))
        {
            throw new ArgumentException("Every clip must be longer than the transition.", nameof(seconds));
        }

        return fade;
    }

    private static Progress<RenderProgress>? Scaled(IProgress<RenderProgress>? progress, double from, double to) =>
        progress is null ? null : new Progress<RenderProgress>(p => progress.Report(p with { Fraction = from + ((to - from) * (p.Fraction ?? 0)) }));
}
