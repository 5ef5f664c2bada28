using System.Globalization;
using System.Text;

namespace Montage.Providers.Local;

/// <summary>
/// Joins clips that pass <see cref="StreamCopyRule"/> with the concat demuxer, copying their video. The audio is not
/// copied: every AAC clip starts with 1024 samples of encoder priming and ends in a padded frame, so copied AAC
/// drifts about 35 ms per join (0.8 s over 24 clips of 5 s). Each clip's audio is decoded, cut to its video's length
/// and the joined track encoded once, which costs a small fraction of a video encode.
/// </summary>
public sealed class StreamCopyJoiner(FfmpegRunner runner)
{
    public async Task JoinAsync(IReadOnlyList<ClipStreamFacts> clips, string outputPath, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0 || clips.Any(c => c.Video is null || c.Audio is null))
        {
            throw new ArgumentException("Give clips with video and audio.", nameof(clips));
        }

        var list = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outputPath))!, Path.GetFileNameWithoutExtension(outputPath) + ".ffconcat");
        await File.WriteAllTextAsync(list, ConcatList(clips), cancellationToken).ConfigureAwait(false);
        try
        {
            // -copyts keeps the demuxer's own timeline: otherwise FFmpeg shifts the video by the first clip's audio priming.
            var arguments = new List<string> { "-copyts", "-f", "concat", "-safe", "0", "-i", list };
            var graph = new StringBuilder();
            for (var i = 0; i < clips.Count; i++)
            {
                arguments.AddRange(["-i", clips[i].Path]);
                var length = FilterText.Number(clips[i].Video!.DurationSeconds);
                graph.Append(
                    CultureInfo.InvariantCulture,
                    $"[{i + 1}:a:0]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad=whole_dur={length},atrim=end={length}[a{i}];");
            }

            for (var i = 0; i < clips.Count; i++)
            {
                graph.Append(CultureInfo.InvariantCulture, $"[a{i}]");
            }

            graph.Append(CultureInfo.InvariantCulture, $"concat=n={clips.Count}:v=0:a=1[a]");
            arguments.AddRange(["-filter_complex", graph.ToString(), "-map", "0:v:0", "-map", "[a]", "-c:v", "copy"]);
            arguments.AddRange(VideoEncoding.Audio());
            arguments.AddRange(VideoEncoding.Mp4());
            arguments.Add(outputPath);
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
