namespace Montage.Providers.Catalog;

/// <summary>The fal image size presets in pixels, shared by the remote models and the local storyboard.</summary>
public static class ImageSizes
{
    private static readonly Dictionary<string, (int Width, int Height)> Presets = new(StringComparer.Ordinal)
    {
        ["square_hd"] = (1024, 1024),
        ["square"] = (512, 512),
        ["portrait_4_3"] = (768, 1024),
        ["portrait_16_9"] = (576, 1024),
        ["landscape_4_3"] = (1024, 768),
        ["landscape_16_9"] = (1024, 576),
    };

    public static IReadOnlyCollection<string> Names => Presets.Keys;

    public static bool TryResolve(string preset, out int width, out int height)
    {
        if (Presets.TryGetValue(preset, out var size))
        {
            (width, height) = size;
            return true;
        }

        width = height = 0;
        return false;
    }
}

/// <summary>Frame sizes for Montage's aspect ratios and "NNNp" resolutions, used by the local engine.</summary>
public static class FrameSizes
{
    /// <summary>Width and height (both even) for an aspect ratio 16:9, 9:16 or 1:1 at a resolution like 720p (the short side).</summary>
    public static (int Width, int Height) For(string aspectRatio, string resolution)
    {
        if (!resolution.EndsWith('p') || !int.TryParse(resolution.AsSpan(0, resolution.Length - 1), out var shortSide) || shortSide <= 0)
        {
            throw new ArgumentException($"Unknown resolution '{resolution}'.", nameof(resolution));
        }

        var longSide = Even((int)Math.Round(shortSide * 16 / 9.0));
        shortSide = Even(shortSide);
        return aspectRatio switch
        {
            "16:9" => (longSide, shortSide),
            "9:16" => (shortSide, longSide),
            "1:1" => (shortSide, shortSide),
            _ => throw new ArgumentException($"Unknown aspect ratio '{aspectRatio}'.", nameof(aspectRatio)),
        };
    }

    private static int Even(int value) => value % 2 == 0 ? value : value + 1;
}
