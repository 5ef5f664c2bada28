using System.Text;

namespace Montage.Providers.Local;

/// <summary>What a storyboard card shows.</summary>
public sealed record StoryboardRequest(string Prompt, int Width, int Height, long? Seed = null);

/// <summary>
/// local/storyboard: a legible card, a colour field seeded by the prompt with the prompt text wrapped on it, as PNG.
/// The text goes through a file (drawtext textfile, expansion off), so no prompt character can break the filter.
/// </summary>
public sealed class StoryboardRenderer(FfmpegRunner runner)
{
    private const double GlyphWidthPerSize = 0.55;
    private const double LineHeightPerSize = 1.25;

    public async Task RenderAsync(StoryboardRequest request, string outputPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Width, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Height, 16);
        var layout = Layout(request.Prompt, request.Width, request.Height);
        var colour = PromptColour.For(request.Prompt, request.Seed);
        var textColour = colour.Luminance > 0.5 ? "0x111111" : "0xFAFAFA";
        var boxColour = colour.Luminance > 0.5 ? "white@0.35" : "black@0.30";
        var border = Math.Max(2, Math.Min(request.Width, request.Height) / 60);

        using var work = new WorkArea(runner.Options);
        var textFile = work.File("prompt.txt");
        await File.WriteAllTextAsync(textFile, string.Join('\n', layout.Lines), new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);

        var filter =
            $"drawbox=x=0:y=0:w=iw:h=ih:color={textColour}@0.6:t={border}," +
            $"drawtext=fontfile={FilterText.Value(runner.Options.FontFile)}:textfile={FilterText.Value(textFile)}:expansion=none" +
            $":fontsize={layout.FontSize}:fontcolor={textColour}:line_spacing={layout.LineSpacing}" +
            $":box=1:boxcolor={boxColour}:boxborderw={layout.FontSize / 2}" +
            ":x=(w-text_w)/2:y=(h-text_h)/2:fix_bounds=1";

        await runner.RunAsync(
            [
                "-f", "lavfi", "-i", $"color=c={colour.Hex}:s={request.Width}x{request.Height}:d=1",
                "-vf", filter,
                "-frames:v", "1", "-update", "1", "-pix_fmt", "rgb24", "-f", "image2", "-c:v", "png", outputPath,
            ],
            null,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The largest font size at which the wrapped prompt fits 84% of the card's width and 80% of its height.</summary>
    public static StoryboardLayout Layout(string prompt, int width, int height)
    {
        var text = string.IsNullOrWhiteSpace(prompt) ? "(no prompt)" : prompt.Trim();
        var maxSize = Math.Max(10, Math.Min(width, height) / 8);
        for (var size = maxSize; size >= 8; size--)
        {
            var perLine = Math.Max(1, (int)(width * 0.84 / (size * GlyphWidthPerSize)));
            var lines = TextWrapper.Wrap(text, perLine);
            if (lines.Count * size * LineHeightPerSize <= height * 0.80)
            {
                return new StoryboardLayout(lines, size, (int)(size * (LineHeightPerSize - 1)));
            }
        }

        // Too long even at the smallest size: keep what fits and mark the cut.
        const int smallest = 8;
        var fitting = Math.Max(1, (int)(height * 0.80 / (smallest * LineHeightPerSize)));
        var all = TextWrapper.Wrap(text, Math.Max(1, (int)(width * 0.84 / (smallest * GlyphWidthPerSize))));
        var kept = all.Take(fitting).ToList();
        kept[^1] = kept[^1].Length > 1 ? kept[^1][..^1] + "…" : "…";
        return new StoryboardLayout(kept, smallest, 2);
    }
}

/// <summary>The wrapped lines and the font size chosen for a card.</summary>
public sealed record StoryboardLayout(IReadOnlyList<string> Lines, int FontSize, int LineSpacing);
