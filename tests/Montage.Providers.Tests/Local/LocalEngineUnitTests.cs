using Montage.Providers.Catalog;
using Montage.Providers.Local;

namespace Montage.Providers.Tests.Local;

public sealed class LocalEngineUnitTests
{
    [Theory]
    [InlineData("slow zoom in on her face", CameraMove.ZoomIn, 0.6)]
    [InlineData("The camera pulls back to reveal the city", CameraMove.ZoomOut, 1.0)]
    [InlineData("fast pan left across the harbour", CameraMove.PanLeft, 1.6)]
    [InlineData("gentle pan to the right", CameraMove.PanRight, 0.6)]
    [InlineData("tilt up to the sky", CameraMove.TiltUp, 1.0)]
    [InlineData("very slow tilt down", CameraMove.TiltDown, 0.35)]
    [InlineData("static shot, locked-off", CameraMove.Static, 1.0)]
    [InlineData("very fast push in", CameraMove.ZoomIn, 2.2)]
    [InlineData("", CameraMove.ZoomIn, 1.0)]
    [InlineData(null, CameraMove.ZoomIn, 1.0)]
    [InlineData("pan right, then zoom out", CameraMove.PanRight, 1.0)]
    public void The_motion_prompt_sets_move_and_speed(string? prompt, CameraMove move, double speed)
    {
        var plan = MotionParser.Parse(prompt);
        Assert.Equal(move, plan.Move);
        Assert.Equal(speed, plan.Speed, 3);
    }

    [Theory]
    [InlineData("the knight", 1, "Centre")]
    [InlineData("two people talking", 2, "Left,Right")]
    [InlineData("three of them", 3, "Left,Centre,Right")]
    [InlineData("the knight on the right and the dog on the left", 2, "Right,Left")]
    [InlineData("hero in the centre", 2, "Centre,Left")]
    [InlineData("hero at center, villain at the RIGHT", 3, "Centre,Right,Left")]
    [InlineData("on the left", 1, "Left")]
    public void Placement_follows_the_prompt_then_defaults(string prompt, int characters, string expected)
    {
        var placements = PlacementParser.Parse(prompt, characters);
        Assert.Equal(expected, string.Join(',', placements));
    }

    [Fact]
    public void Wrapping_keeps_words_whole_and_splits_overlong_ones()
    {
        Assert.Equal(["the quick", "brown fox"], TextWrapper.Wrap("the quick brown fox", 10));
        Assert.Equal(["abcde", "fghij", "k"], TextWrapper.Wrap("abcdefghijk", 5));
        Assert.Equal(["line one", "two"], TextWrapper.Wrap("line one\ntwo", 20));
    }

    [Fact]
    public void A_card_layout_fits_the_card()
    {
        var shortLayout = StoryboardRenderer.Layout("INT. KITCHEN - NIGHT", 320, 180);
        var longLayout = StoryboardRenderer.Layout(string.Join(' ', Enumerable.Repeat("words", 300)), 320, 180);

        Assert.True(shortLayout.FontSize > longLayout.FontSize);
        foreach (var layout in new[] { shortLayout, longLayout })
        {
            Assert.True(layout.Lines.Count * layout.FontSize * 1.25 <= 180 * 0.8 + 1);
            Assert.All(layout.Lines, line => Assert.True(line.Length * layout.FontSize * 0.55 <= 320 * 0.84 + 1));
        }

        Assert.EndsWith("…", longLayout.Lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_card_colour_is_stable_per_prompt_and_seed()
    {
        Assert.Equal(PromptColour.For("a castle"), PromptColour.For("a castle"));
        Assert.NotEqual(PromptColour.For("a castle"), PromptColour.For("a forest"));
        Assert.NotEqual(PromptColour.For("a castle", 1), PromptColour.For("a castle", 2));
        Assert.Matches("^0x[0-9A-F]{6}$", PromptColour.For("x").Hex);
    }

    [Theory]
    [InlineData("16:9", "720p", 1280, 720)]
    [InlineData("9:16", "1080p", 1080, 1920)]
    [InlineData("1:1", "480p", 480, 480)]
    [InlineData("16:9", "180p", 320, 180)]
    [InlineData("9:16", "360p", 360, 640)]
    public void Frame_sizes_follow_aspect_and_resolution(string aspect, string resolution, int width, int height)
    {
        Assert.Equal((width, height), FrameSizes.For(aspect, resolution));
    }

    [Fact]
    public void Filter_values_are_escaped_for_both_parser_levels()
    {
        Assert.Equal(@"/tmp/a\\:b", FilterText.Value("/tmp/a:b"));
        Assert.Equal(@"it\\\'s", FilterText.Value("it's"));
        Assert.Equal(@"x\[1\]\,y\;z", FilterText.Value("x[1],y;z"));
    }

    [Fact]
    public void Diagnostics_lose_paths_and_urls()
    {
        var text = DiagnosticsRedactor.Redact("/srv/montage/work/abc/in.png: No such file or directory; https://cdn.example.test/x.png?sig=secret: 403");
        Assert.DoesNotContain("/srv", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
        Assert.Contains("No such file or directory", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Zoompan_expressions_hold_no_bare_commas()
    {
        foreach (var move in Enum.GetValues<CameraMove>())
        {
            var filter = KenBurnsRenderer.ZoomPan(new MotionPlan(move, 1), 48, 2, 320, 180, 24);
            Assert.DoesNotContain(',', filter);
            Assert.Contains("d=48", filter, StringComparison.Ordinal);
        }
    }
}
