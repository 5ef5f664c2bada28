namespace Montage.Providers.Local;

/// <summary>A still to animate.</summary>
/// <param name="ImagePath">The first frame.</param>
/// <param name="MotionPrompt">Read for the camera move and speed.</param>
/// <param name="DurationSeconds">Length of the clip.</param>
/// <param name="Fps">Frames per second.</param>
/// <param name="Width">Output width (even).</param>
/// <param name="Height">Output height (even).</param>
/// <param name="EndImagePath">Optional frame the clip crossfades to at its end.</param>
public sealed record KenBurnsRequest(string ImagePath, string? MotionPrompt, double DurationSeconds, int Fps, int Width, int Height, string? EndImagePath = null);

/// <summary>
/// local/kenburns: pan / zoom / tilt over a still (zoompan on a 2x cover-cropped copy, eased), optional crossfade
/// to an end frame; H.264 yuv420p MP4 of exactly round(duration x fps) frames, no audio.
/// </summary>
public sealed class KenBurnsRenderer(FfmpegRunner runner)
{
    // Zoom added per second at speed 1, and the share of the frame a pan travels per second.
    private const double ZoomPerSecond = 0.04;
    private const double TravelPerSecond = 0.035;

    public async Task RenderAsync(KenBurnsRequest request, string outputPath, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Width % 2 != 0 || request.Height % 2 != 0 || request.Width < 16 || request.Height < 16)
        {
            throw new ArgumentException("Width and height must be even and at least 16.", nameof(request));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(request.Fps, 1);
        var frames = Math.Max(2, (int)Math.Round(request.DurationSeconds * request.Fps));
        var plan = MotionParser.Parse(request.MotionPrompt);
        var (w, h, fps) = (request.Width, request.Height, request.Fps);

        var graph = new List<string>
        {
            $"[0:v]scale={w * 2}:{h * 2}:force_original_aspect_ratio=increase,crop={w * 2}:{h * 2},setsar=1," +
            $"{ZoomPan(plan, frames, request.DurationSeconds, w, h, fps)},format=yuv420p,settb=AVTB[motion]",
        };
        var arguments = new List<string> { "-i", request.ImagePath };
        var output = "[motion]";
        if (request.EndImagePath is not null)
        {
            var fadeFrames = Math.Clamp((int)Math.Round(Math.Min(1.0, request.DurationSeconds / 3) * fps), 1, frames - 1);
            var fade = fadeFrames / (double)fps;
            var offset = (frames - fadeFrames) / (double)fps;
            arguments.AddRange(["-loop", "1", "-framerate", FilterText.Number(fps), "-t", FilterText.Number(fade + 1), "-i", request.EndImagePath]);
            graph.Add($"[1:v]scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},setsar=1,fps={fps},format=yuv420p,settb=AVTB[end]");
            graph.Add($"[motion][end]xfade=transition=fade:duration={FilterText.Number(fade)}:offset={FilterText.Number(offset)}[out]");
            output = "[out]";
        }

        arguments.AddRange(["-filter_complex", string.Join(';', graph), "-map", output, "-frames:v", FilterText.Number(frames), "-an"]);
        arguments.AddRange(VideoEncoding.Video(runner.Options, fps));
        arguments.AddRange(VideoEncoding.Mp4());
        arguments.Add(outputPath);
        await runner.RunAsync(arguments, new FfmpegRun { ExpectedDuration = TimeSpan.FromSeconds(frames / (double)fps), Progress = progress }, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>The zoompan filter for a move: one output frame per step, position eased with smoothstep.</summary>
    internal static string ZoomPan(MotionPlan plan, int frames, double durationSeconds, int width, int height, int fps)
    {
        var t = $"(on/{frames - 1})";
        var eased = $"({t}*{t}*(3-2*{t}))";
        var zoomAmount = Math.Min(0.5, ZoomPerSecond * plan.Speed * durationSeconds);
        var travel = Math.Min(0.3, TravelPerSecond * plan.Speed * durationSeconds);
        var panZoom = FilterText.Number(1 / (1 - travel));
        const string centreX = "(iw-iw/zoom)/2";
        const string centreY = "(ih-ih/zoom)/2";
        var (z, x, y) = plan.Move switch
        {
            CameraMove.ZoomIn => ($"1+{FilterText.Number(zoomAmount)}*{eased}", centreX, centreY),
            CameraMove.ZoomOut => ($"1+{FilterText.Number(zoomAmount)}*(1-{eased})", centreX, centreY),
            CameraMove.PanRight => (panZoom, $"(iw-iw/zoom)*{eased}", centreY),
            CameraMove.PanLeft => (panZoom, $"(iw-iw/zoom)*(1-{eased})", centreY),
            CameraMove.TiltDown => (panZoom, centreX, $"(ih-ih/zoom)*{eased}"),
            CameraMove.TiltUp => (panZoom, centreX, $"(ih-ih/zoom)*(1-{eased})"),
            _ => ("1", "0", "0"),
        };
        return $"zoompan=z='{z}':x='{x}':y='{y}':d={frames}:s={width}x{height}:fps={fps}";
    }
}
