namespace Montage.Providers.Local;

/// <summary>A background and the characters to stand in it.</summary>
/// <param name="BackgroundPath">The scene image.</param>
/// <param name="CharacterPaths">One to three character images, ideally with transparency.</param>
/// <param name="Prompt">Read for left / centre / right.</param>
/// <param name="AspectRatio">16:9, 9:16 or 1:1 to crop the background to (centred); null keeps its shape.</param>
/// <param name="Jpeg">JPEG instead of PNG.</param>
public sealed record OverlayRequest(string BackgroundPath, IReadOnlyList<string> CharacterPaths, string? Prompt, string? AspectRatio = null, bool Jpeg = false);

/// <summary>
/// local/overlay: characters scaled to three quarters of the frame height, standing on its bottom edge at
/// left / centre / right as the prompt says; transparency in the character images is kept.
/// </summary>
public sealed class OverlayCompositor(FfmpegRunner runner, MediaProbe probe)
{
    private const double CharacterHeight = 0.75;
    private const double Floor = 0.97;

    public async Task<(int Width, int Height)> RenderAsync(OverlayRequest request, string outputPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.CharacterPaths.Count is < 1 or > 3)
        {
            throw new ArgumentException("Give one to three characters.", nameof(request));
        }

        var background = await probe.ProbeAsync(request.BackgroundPath, cancellationToken).ConfigureAwait(false);
        var video = background.Video ?? throw new ArgumentException("The background is not an image.", nameof(request));
        var (width, height) = Crop(video.Width, video.Height, request.AspectRatio);
        var placements = PlacementParser.Parse(request.Prompt, request.CharacterPaths.Count);
        var characterHeight = Even(height * CharacterHeight);

        var arguments = new List<string> { "-i", request.BackgroundPath };
        foreach (var character in request.CharacterPaths)
        {
            arguments.AddRange(["-i", character]);
        }

        var graph = new List<string> { $"[0:v]crop={width}:{height},setsar=1,format=rgba[bg0]" };
        for (var i = 0; i < request.CharacterPaths.Count; i++)
        {
            var centre = FilterText.Number(PlacementParser.CentreOf(placements[i]));
            graph.Add($"[{i + 1}:v]format=rgba,scale=-2:{characterHeight}[c{i}]");
            graph.Add($"[bg{i}][c{i}]overlay=x=W*{centre}-w/2:y=H*{FilterText.Number(Floor)}-h:format=auto[bg{i + 1}]");
        }

        var last = $"[bg{request.CharacterPaths.Count}]";
        graph.Add($"{last}format={(request.Jpeg ? "yuvj444p" : "rgb24")}[out]");
        arguments.AddRange(["-filter_complex", string.Join(';', graph), "-map", "[out]", "-frames:v", "1", "-update", "1", "-f", "image2"]);
        arguments.AddRange(request.Jpeg ? ["-c:v", "mjpeg", "-q:v", "3"] : ["-c:v", "png"]);
        arguments.Add(outputPath);
        await runner.RunAsync(arguments, null, cancellationToken).ConfigureAwait(false);
        return (width, height);
    }

    /// <summary>The largest centred crop of the background with the requested shape (even sizes).</summary>
    internal static (int Width, int Height) Crop(int width, int height, string? aspectRatio)
    {
        var (w, h) = aspectRatio switch
        {
            "16:9" => (16, 9),
            "9:16" => (9, 16),
            "1:1" => (1, 1),
            null => (width, height),
            _ => throw new ArgumentException($"Unknown aspect ratio '{aspectRatio}'.", nameof(aspectRatio)),
        };
        var scale = Math.Min(width / (double)w, height / (double)h);
        return (EvenDown(w * scale), EvenDown(h * scale));
    }

    private static int Even(double value) => Math.Max(2, (int)Math.Round(value / 2) * 2);

    private static int EvenDown(double value) => Math.Max(2, (int)Math.Floor(value / 2) * 2);
}
