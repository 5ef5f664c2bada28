using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Montage.Providers.Catalog;

namespace Montage.Providers.Local;

/// <summary>One file a local render produced; <see cref="Name"/> follows the remote models' output names (images[0], video).</summary>
public sealed record LocalOutput(string Name, string Path, string ContentType);

/// <summary>Everything a local render produced.</summary>
public sealed record LocalRenderResult(IReadOnlyList<LocalOutput> Outputs);

/// <summary>
/// The local provider's engine: runs a local catalog model (local/storyboard, local/overlay, local/kenburns,
/// local/avatar, local/assemble) on a validated input, with its media references already fetched to files.
/// </summary>
public sealed class LocalEngine
{
    public LocalEngine(LocalEngineOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Runner = new FfmpegRunner(options, loggerFactory?.CreateLogger<FfmpegRunner>());
        Probe = new MediaProbe(Runner);
        Storyboard = new StoryboardRenderer(Runner);
        Overlay = new OverlayCompositor(Runner, Probe);
        KenBurns = new KenBurnsRenderer(Runner);
        Avatar = new AvatarRenderer(Runner, Probe);
        Clips = new ClipAssembler(Runner, Probe);
        Episodes = new EpisodeAssembler(Runner, Clips);
    }

    public FfmpegRunner Runner { get; }
    public MediaProbe Probe { get; }
    public StoryboardRenderer Storyboard { get; }
    public OverlayCompositor Overlay { get; }
    public KenBurnsRenderer KenBurns { get; }
    public AvatarRenderer Avatar { get; }
    public ClipAssembler Clips { get; }
    public EpisodeAssembler Episodes { get; }

    /// <summary>Renders a local model into <paramref name="outputDirectory"/>.</summary>
    /// <param name="modelId">A local catalog id, e.g. local/kenburns.</param>
    /// <param name="normalizedInput"><see cref="ValidationResult.Normalized"/> for that model (defaults applied).</param>
    /// <param name="mediaFiles">Each media reference of the input mapped to a local file.</param>
    /// <param name="outputDirectory">Where the outputs go; created if missing.</param>
    /// <param name="progress">Optional progress (fraction 0..1 when known).</param>
    /// <param name="cancellationToken">Kills the FFmpeg process when cancelled.</param>
    public async Task<LocalRenderResult> RenderAsync(
        string modelId,
        JsonObject normalizedInput,
        IReadOnlyDictionary<string, string> mediaFiles,
        string outputDirectory,
        IProgress<RenderProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(normalizedInput);
        ArgumentNullException.ThrowIfNull(mediaFiles);
        Directory.CreateDirectory(outputDirectory);
        var input = new InputReader(normalizedInput, mediaFiles);
        var result = modelId switch
        {
            "local/storyboard" => await StoryboardAsync(input, outputDirectory, progress, cancellationToken).ConfigureAwait(false),
            "local/overlay" => await OverlayAsync(input, outputDirectory, cancellationToken).ConfigureAwait(false),
            "local/kenburns" => await KenBurnsAsync(input, outputDirectory, progress, cancellationToken).ConfigureAwait(false),
            "local/avatar" => await AvatarAsync(input, outputDirectory, progress, cancellationToken).ConfigureAwait(false),
            "local/assemble" => await AssembleAsync(input, outputDirectory, progress, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentException($"'{modelId}' is not a local model.", nameof(modelId)),
        };
        progress?.Report(new RenderProgress(TimeSpan.Zero, 1));
        return result;
    }

    private async Task<LocalRenderResult> StoryboardAsync(InputReader input, string directory, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        var (width, height) = input.ImageSize("image_size", "landscape_16_9");
        var count = (int)input.Integer("num_images", 1);
        var seed = input.OptionalInteger("seed");
        var outputs = new List<LocalOutput>();
        for (var i = 0; i < count; i++)
        {
            var path = Path.Combine(directory, count == 1 ? "image.png" : $"image-{i + 1}.png");
            var variantSeed = i == 0 ? seed : (seed ?? 0) + i;
            await Storyboard.RenderAsync(new StoryboardRequest(input.Text("prompt") ?? "", width, height, variantSeed), path, cancellationToken).ConfigureAwait(false);
            outputs.Add(new LocalOutput($"images[{i}]", path, "image/png"));
            progress?.Report(new RenderProgress(TimeSpan.Zero, (i + 1) / (double)count));
        }

        return new LocalRenderResult(outputs);
    }

    private async Task<LocalRenderResult> OverlayAsync(InputReader input, string directory, CancellationToken cancellationToken)
    {
        var images = input.MediaList("images");
        var jpeg = input.Text("output_format") == "jpeg";
        var path = Path.Combine(directory, jpeg ? "image.jpg" : "image.png");
        await Overlay.RenderAsync(new OverlayRequest(images[0], images.Skip(1).ToList(), input.Text("prompt"), input.Text("aspect_ratio"), jpeg), path, cancellationToken)
            .ConfigureAwait(false);
        return new LocalRenderResult([new LocalOutput("images[0]", path, jpeg ? "image/jpeg" : "image/png")]);
    }

    private async Task<LocalRenderResult> KenBurnsAsync(InputReader input, string directory, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        var (width, height) = FrameSizes.For(input.Text("aspect_ratio") ?? "16:9", input.Text("resolution") ?? "720p");
        // Called with a validated input (not a built request), shot metadata has not become a prompt yet.
        var prompt = input.Text("prompt") ?? (input.Object(MotionPrompt.ShotField) is { } shot ? MotionPrompt.Build(shot) : null);
        var request = new KenBurnsRequest(
            input.Media("image")!,
            prompt,
            input.Number("duration", 5),
            (int)input.Integer("fps", 24),
            width,
            height,
            input.Media("end_image"));
        var path = Path.Combine(directory, "video.mp4");
        await KenBurns.RenderAsync(request, path, progress, cancellationToken).ConfigureAwait(false);
        return new LocalRenderResult([new LocalOutput("video", path, "video/mp4")]);
    }

    private async Task<LocalRenderResult> AvatarAsync(InputReader input, string directory, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        var (width, height) = FrameSizes.For(input.Text("aspect_ratio") ?? "16:9", input.Text("resolution") ?? "720p");
        var path = Path.Combine(directory, "video.mp4");
        await Avatar.RenderAsync(new AvatarRequest(input.Media("image")!, input.Media("audio")!, (int)input.Integer("fps", 25), width, height), path, progress, cancellationToken)
            .ConfigureAwait(false);
        return new LocalRenderResult([new LocalOutput("video", path, "video/mp4")]);
    }

    private async Task<LocalRenderResult> AssembleAsync(InputReader input, string directory, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        var (width, height) = FrameSizes.For(input.Text("aspect_ratio") ?? "16:9", input.Text("resolution") ?? "720p");
        var path = Path.Combine(directory, "video.mp4");
        var subtitles = input.Media("subtitles");
        string? inlineSubtitles = null;
        if (subtitles is null && input.Text("subtitles_text") is { } text)
        {
            // Written beside the output only for the render; libass reads subtitles from a file.
            inlineSubtitles = Path.Combine(directory, "subtitles.srt");
            await File.WriteAllTextAsync(inlineSubtitles, text, cancellationToken).ConfigureAwait(false);
        }

        var request = new EpisodeRequest(
            input.MediaList("clips"),
            new ClipFormat(width, height, (int)input.Integer("fps", 25)),
            input.Text("transition") == "crossfade" ? input.Number("transition_duration", 0.5) : null,
            input.Media("audio"),
            input.Number("music_volume", 0.25),
            input.Boolean("duck_music", true),
            input.Boolean("normalize_loudness", true) ? ClipAssembler.DefaultLoudnessLufs : null,
            subtitles ?? inlineSubtitles);
        try
        {
            await Episodes.RenderAsync(request, path, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (inlineSubtitles is not null)
            {
                File.Delete(inlineSubtitles);
            }
        }

        return new LocalRenderResult([new LocalOutput("video", path, "video/mp4")]);
    }

    /// <summary>Typed reads of a normalised input, with media references swapped for local files.</summary>
    private sealed class InputReader(JsonObject input, IReadOnlyDictionary<string, string> files)
    {
        public string? Text(string name) => input[name]?.GetValue<string>();

        public long Integer(string name, long fallback) => OptionalInteger(name) ?? fallback;

        public long? OptionalInteger(string name) => input[name] is { } node ? (long)ReadNumber(node) : null;

        public double Number(string name, double fallback) => input[name] is { } node ? (double)ReadNumber(node) : fallback;

        public JsonObject? Object(string name) => input[name] as JsonObject;

        public bool Boolean(string name, bool fallback) => input[name]?.GetValue<bool>() ?? fallback;

        public string? Media(string name) => input[name] is { } node ? File(node.GetValue<string>()) : null;

        public IReadOnlyList<string> MediaList(string name) =>
            (input[name] as JsonArray ?? []).Select(item => File(item!.GetValue<string>())).ToList();

        public (int Width, int Height) ImageSize(string name, string fallback)
        {
            var node = input[name] ?? JsonValue.Create(fallback);
            if (node is JsonObject size)
            {
                return ((int)ReadNumber(size["width"]!), (int)ReadNumber(size["height"]!));
            }

            return ImageSizes.TryResolve(node.GetValue<string>(), out var width, out var height)
                ? (width, height)
                : throw new ArgumentException($"Unknown image size '{node.GetValue<string>()}'.", nameof(name));
        }

        private static decimal ReadNumber(JsonNode node) =>
            decimal.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

        private string File(string reference) =>
            files.TryGetValue(reference, out var path) ? path : throw new ArgumentException("A media reference of the input has no local file.", nameof(files));
    }
}
