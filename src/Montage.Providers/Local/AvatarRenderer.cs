namespace Montage.Providers.Local;

/// <summary>A portrait and the voice it speaks.</summary>
/// <param name="PortraitPath">The face image.</param>
/// <param name="AudioPath">The voice track; the video is as long as it.</param>
/// <param name="Fps">Frames per second.</param>
/// <param name="Width">Output width (even).</param>
/// <param name="Height">Output height (even).</param>
public sealed record AvatarRequest(string PortraitPath, string AudioPath, int Fps, int Width, int Height);

/// <summary>
/// local/avatar: the portrait, fitted over a blurred fill of itself, with a slow breathing zoom and sway for as
/// long as the voice track; the voice is kept (AAC 48 kHz stereo).
/// </summary>
public sealed class AvatarRenderer(FfmpegRunner runner, MediaProbe probe)
{
    public async Task<double> RenderAsync(AvatarRequest request, string outputPath, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Width % 2 != 0 || request.Height % 2 != 0 || request.Width < 16 || request.Height < 16)
        {
            throw new ArgumentException("Width and height must be even and at least 16.", nameof(request));
        }

        // Decode the voice first: container durations (mp3 padding, edit lists) can be off by more than a frame,
        // while a PCM copy's length is exact, and the video is cut to it.
        using var work = new WorkArea(runner.Options);
        var voice = work.File("voice.wav");
        await runner.RunAsync(["-i", request.AudioPath, "-vn", "-ac", "2", "-ar", "48000", "-c:a", "pcm_s16le", voice], null, cancellationToken)
            .ConfigureAwait(false);
        var audio = await probe.ProbeAsync(voice, cancellationToken).ConfigureAwait(false);
        if (audio.Audio is null || audio.DurationSeconds <= 0)
        {
            throw new ArgumentException("The voice track has no audio.", nameof(request));
        }

        var seconds = audio.Audio.DurationSeconds ?? audio.DurationSeconds;
        var (w, h, fps) = (request.Width, request.Height, request.Fps);
        // zoompan emits exactly this many frames from the single portrait frame, so the video ends with the voice.
        var frames = Math.Max(1, (int)Math.Round(seconds * fps));
        var breath = FilterText.Number(fps * 4.0);
        var sway = FilterText.Number(fps * 7.0);
        var graph =
            $"[0:v]split=2[fill][face];" +
            $"[fill]scale={w * 2}:{h * 2}:force_original_aspect_ratio=increase,crop={w * 2}:{h * 2},boxblur=20:2,setsar=1[blurred];" +
            $"[face]scale={w * 2}:{h * 2}:force_original_aspect_ratio=decrease,setsar=1[fitted];" +
            "[blurred][fitted]overlay=x=(W-w)/2:y=(H-h)/2," +
            $"zoompan=z='1.04+0.025*sin(2*PI*on/{breath})':x='(iw-iw/zoom)/2+(iw-iw/zoom)/4*sin(2*PI*on/{sway})':y='(ih-ih/zoom)/2'" +
            $":d={frames}:s={w}x{h}:fps={fps},format=yuv420p[v];" +
            "[1:a]aresample=48000,aformat=channel_layouts=stereo[a]";

        List<string> arguments =
        [
            "-i", request.PortraitPath, "-i", voice,
            "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
            .. VideoEncoding.Video(runner.Options, fps), .. VideoEncoding.Audio(), .. VideoEncoding.Mp4(), outputPath,
        ];
        await runner.RunAsync(arguments, new FfmpegRun { ExpectedDuration = TimeSpan.FromSeconds(seconds), Progress = progress }, cancellationToken)
            .ConfigureAwait(false);
        return seconds;
    }
}
