using System.Text.Json;

namespace Montage.Providers.Local;

/// <summary>Burned-in subtitles (libass): SRT, WebVTT or ASS, drawn onto the video in the episode's timeline.</summary>
public sealed class SubtitleBurner(FfmpegRunner runner)
{
    /// <summary>The filter that draws the subtitles of <paramref name="subtitlesPath"/>; fontconfig supplies the font.</summary>
    public static string Filter(string subtitlesPath) => "subtitles=filename=" + FilterText.Value(Path.GetFullPath(subtitlesPath));

    /// <summary>Refuses, as invalid input, a file FFmpeg does not read as subtitles, before any encoding starts.</summary>
    public async Task CheckAsync(string subtitlesPath, CancellationToken cancellationToken)
    {
        string json;
        try
        {
            json = await runner.ProbeAsync(["-print_format", "json", "-show_streams", subtitlesPath], cancellationToken).ConfigureAwait(false);
        }
        catch (FfmpegException)
        {
            throw new ArgumentException("The subtitles are not an SRT, WebVTT or ASS file.", nameof(subtitlesPath));
        }

        using var document = JsonDocument.Parse(json);
        var hasSubtitles = document.RootElement.TryGetProperty("streams", out var streams)
            && streams.EnumerateArray().Any(s => s.TryGetProperty("codec_type", out var type) && type.GetString() == "subtitle");
        if (!hasSubtitles)
        {
            throw new ArgumentException("The subtitles are not an SRT, WebVTT or ASS file.", nameof(subtitlesPath));
        }
    }

    /// <summary>Re-encodes the video of <paramref name="inputPath"/> with the subtitles drawn on it; the audio is copied.</summary>
    public async Task BurnAsync(string inputPath, string subtitlesPath, int fps, double seconds, string outputPath, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        List<string> arguments =
        [
            "-i", inputPath, "-map", "0:v:0", "-map", "0:a?", "-vf", Filter(subtitlesPath), "-c:a", "copy",
            .. VideoEncoding.Video(runner.Options, fps), .. VideoEncoding.Mp4(), outputPath,
        ];
        await runner.RunAsync(arguments, new FfmpegRun { ExpectedDuration = TimeSpan.FromSeconds(seconds), Progress = progress }, cancellationToken)
            .ConfigureAwait(false);
    }
}
