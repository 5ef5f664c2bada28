namespace Montage.Providers.Local;

/// <summary>An episode to assemble from its shots.</summary>
/// <param name="ClipPaths">Shots in order.</param>
/// <param name="Format">Size and frame rate of the episode.</param>
/// <param name="CrossfadeSeconds">Crossfade between shots; null joins with cuts.</param>
/// <param name="MusicPath">Optional background music, looped and mixed under the shots' audio.</param>
/// <param name="MusicVolume">Music level before ducking (0..1).</param>
/// <param name="DuckMusic">Lower the music while the shots' audio is loud.</param>
/// <param name="LoudnessLufs">Integrated loudness target; null leaves the level as mixed.</param>
public sealed record EpisodeRequest(
    IReadOnlyList<string> ClipPaths,
    ClipFormat Format,
    double? CrossfadeSeconds = null,
    string? MusicPath = null,
    double MusicVolume = 0.25,
    bool DuckMusic = true,
    double? LoudnessLufs = ClipAssembler.DefaultLoudnessLufs);

/// <summary>local/assemble: normalise every shot, join them, mix music, normalise loudness, moov first.</summary>
public sealed class EpisodeAssembler(FfmpegRunner runner, ClipAssembler clips)
{
    public async Task RenderAsync(EpisodeRequest request, string outputPath, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ClipPaths.Count == 0)
        {
            throw new ArgumentException("Give at least one clip.", nameof(request));
        }

        using var work = new WorkArea(runner.Options);
        var normalized = new List<string>();
        for (var i = 0; i < request.ClipPaths.Count; i++)
        {
            var path = work.File($"clip{i:D3}.mp4");
            await clips.NormalizeAsync(request.ClipPaths[i], path, request.Format, cancellationToken).ConfigureAwait(false);
            normalized.Add(path);
            // Normalising is roughly the first half of the work.
            progress?.Report(new RenderProgress(TimeSpan.Zero, 0.5 * (i + 1) / request.ClipPaths.Count));
        }

        var current = work.File("joined.mp4");
        var joinProgress = progress is null ? null : new Progress<RenderProgress>(p => progress.Report(p with { Fraction = 0.5 + (0.4 * (p.Fraction ?? 0)) }));
        if (request.CrossfadeSeconds is { } fade)
        {
            await clips.CrossfadeAsync(normalized, fade, current, joinProgress, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await clips.ConcatAsync(normalized, current, joinProgress, cancellationToken).ConfigureAwait(false);
        }

        if (request.MusicPath is not null)
        {
            var mixed = work.File("mixed.mp4");
            await clips.MixBackgroundAudioAsync(current, request.MusicPath, mixed, request.MusicVolume, request.DuckMusic, cancellationToken).ConfigureAwait(false);
            current = mixed;
        }

        if (request.LoudnessLufs is { } lufs)
        {
            var levelled = work.File("levelled.mp4");
            await clips.NormalizeLoudnessAsync(current, levelled, lufs, cancellationToken).ConfigureAwait(false);
            current = levelled;
        }

        // Every step already writes moov first; the last one writes straight to the output.
        await clips.FaststartAsync(current, outputPath, cancellationToken).ConfigureAwait(false);
        progress?.Report(new RenderProgress(TimeSpan.Zero, 1));
    }
}
