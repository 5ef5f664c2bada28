using System.Text;

namespace Montage.Providers.Local;

/// <summary>
/// Writes an episode from clips that pass <see cref="StreamCopyRule"/>: their video joined by the concat demuxer without
/// re-encoding (unless a video filter such as burned-in subtitles needs the pictures), and the programme audio built by
/// <see cref="EpisodeSoundtrack"/> encoded once to AAC, levelled on the way. The clips' AAC is never copied: every clip
/// starts with 1024 samples of encoder priming and ends in a padded frame, so copied AAC drifts about 24 ms per join.
/// </summary>
public sealed class StreamCopyJoiner(FfmpegRunner runner)
{
    /// <summary>Joins the clips' video with <paramref name="soundtrackPath"/> under it, passing the audio through <paramref name="audioFilter"/>.</summary>
    public async Task JoinAsync(
        IReadOnlyList<ClipStreamFacts> clips, string soundtrackPath, string audioFilter, string? videoFilter, int fps, string outputPath,
        IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0 || clips.Any(c => c.Video is null))
        {
            throw new ArgumentException("Give clips with video.", nameof(clips));
        }

        var list = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outputPath))!, Path.GetFileNameWithoutExtension(outputPath) + ".ffconcat");
        await File.WriteAllTextAsync(list, ConcatList(clips), cancellationToken).ConfigureAwait(false);
        try
        {
            // -copyts keeps the demuxer's own timeline: otherwise FFmpeg shifts the video by the first clip's audio priming.
            List<string> arguments =
            [
                "-copyts", "-f", "concat", "-safe", "0", "-i", list, "-i", soundtrackPath,
                "-map", "0:v:0", "-map", "1:a:0", "-af", audioFilter,
            ];
            if (videoFilter is null)
            {
                arguments.AddRange(["-c:v", "copy"]);
            }
            else
            {
                arguments.AddRange(["-vf", videoFilter, .. VideoEncoding.Video(runner.Options, fps)]);
            }

            arguments.AddRange([.. VideoEncoding.Audio(), .. VideoEncoding.Mp4(), outputPath]);
            var total = TimeSpan.FromSeconds(clips.Sum(c => c.Video!.DurationSeconds));
            await runner.RunAsync(arguments, new FfmpegRun { ExpectedDuration = total, Progress = progress }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(list);
        }
    }

    /// <summary>The concat demuxer's script; each clip lasts exactly its video, so the next one starts on a frame boundary.</summary>
    internal static string ConcatList(IReadOnlyList<ClipStreamFacts> clips)
    {
        var text = new StringBuilder("ffconcat version 1.0\n");
        foreach (var clip in clips)
        {
            // Inside single quotes only the quote itself needs care: close, escaped quote, reopen.
            text.Append("file '").Append(Path.GetFullPath(clip.Path).Replace("'", "'\\''", StringComparison.Ordinal)).Append("'\n");
            text.Append("duration ").Append(FilterText.Number(clip.Video!.DurationSeconds)).Append('\n');
        }

        return text.ToString();
    }
}
