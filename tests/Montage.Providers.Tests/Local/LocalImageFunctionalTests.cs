using System.Text.Json.Nodes;
using Montage.Providers.Catalog;
using Montage.Providers.Local;

namespace Montage.Providers.Tests.Local;

[Collection(LocalEngineCollection.Name)]
public sealed class LocalImageFunctionalTests(LocalEngineFixture fixture)
{
    private LocalEngine Engine => fixture.Engine;

    [Fact]
    public async Task A_storyboard_card_is_a_png_of_the_requested_size_coloured_by_the_prompt()
    {
        const string prompt = "INT. KITCHEN - NIGHT. Anna opens the fridge.";
        var path = fixture.Output("card.png");

        await Engine.Storyboard.RenderAsync(new StoryboardRequest(prompt, 320, 180), path, CancellationToken.None);

        var info = await Engine.Probe.ProbeAsync(path, CancellationToken.None);
        Assert.Equal("png", info.Video!.Codec);
        Assert.Equal((320, 180), (info.Video.Width, info.Video.Height));
        var colour = PromptColour.For(prompt);
        MediaAssert.Near(await MediaAssert.PixelAsync(Engine, path, 8, 8), (colour.Red, colour.Green, colour.Blue), tolerance: 3);
        // The text sits in the middle: the centre of the card is not the plain field.
        var centre = await MediaAssert.PixelAsync(Engine, path, 160, 90);
        Assert.NotEqual((colour.Red, colour.Green, colour.Blue), centre);
    }

    [Fact]
    public async Task Filter_syntax_and_expansion_characters_in_a_prompt_render_literally()
    {
        var path = fixture.Output("tricky.png");

        await Engine.Storyboard.RenderAsync(new StoryboardRequest("It's 100% %{pts} [a]; b:c \\ d, 'e'", 256, 256), path, CancellationToken.None);

        var info = await Engine.Probe.ProbeAsync(path, CancellationToken.None);
        Assert.Equal((256, 256), (info.Video!.Width, info.Video.Height));
    }

    [Fact]
    public async Task The_storyboard_model_renders_each_requested_image_at_the_preset_size()
    {
        var validated = ModelCatalog.Load().Validate("local/storyboard", new JsonObject { ["prompt"] = "A lighthouse in a storm", ["num_images"] = 2 });
        var directory = fixture.Output("storyboard");

        var result = await Engine.RenderAsync("local/storyboard", validated.Normalized!, new Dictionary<string, string>(), directory, null, CancellationToken.None);

        Assert.Equal(["images[0]", "images[1]"], result.Outputs.Select(o => o.Name));
        foreach (var output in result.Outputs)
        {
            var info = await Engine.Probe.ProbeAsync(output.Path, CancellationToken.None);
            Assert.Equal((1024, 576), (info.Video!.Width, info.Video.Height));
            Assert.Equal("image/png", output.ContentType);
        }

        // Variants differ in colour.
        Assert.NotEqual(
            await MediaAssert.PixelAsync(Engine, result.Outputs[0].Path, 20, 20),
            await MediaAssert.PixelAsync(Engine, result.Outputs[1].Path, 20, 20));
    }

    [Fact]
    public async Task Characters_stand_where_the_prompt_says()
    {
        var path = fixture.Output("overlay.png");

        var (width, height) = await Engine.Overlay.RenderAsync(
            new OverlayRequest(fixture.Landscape, [fixture.RedCharacter, fixture.BlueCharacter], "the red one on the right, the blue one on the left"),
            path,
            CancellationToken.None);

        Assert.Equal((640, 360), (width, height));
        var info = await Engine.Probe.ProbeAsync(path, CancellationToken.None);
        Assert.Equal((640, 360), (info.Video!.Width, info.Video.Height));
        MediaAssert.Near(await MediaAssert.PixelAsync(Engine, path, 480, 250), (255, 0, 0), tolerance: 10);
        MediaAssert.Near(await MediaAssert.PixelAsync(Engine, path, 160, 250), (0, 0, 255), tolerance: 10);
        // Transparent margins keep the background visible beside each character.
        Assert.NotEqual((255, 0, 0), await MediaAssert.PixelAsync(Engine, path, 430, 250));
    }

    [Fact]
    public async Task The_overlay_model_crops_to_the_aspect_ratio_and_centres_a_single_character()
    {
        var input = ModelCatalog.Load().Validate("local/overlay",
            new JsonObject { ["prompt"] = "a knight", ["images"] = new JsonArray("ast_bg", "ast_red"), ["aspect_ratio"] = "square" });
        var media = new Dictionary<string, string> { ["ast_bg"] = fixture.Landscape, ["ast_red"] = fixture.RedCharacter };

        var result = await Engine.RenderAsync("local/overlay", input.Normalized!, media, fixture.Output("overlay-model"), null, CancellationToken.None);

        var output = Assert.Single(result.Outputs);
        var info = await Engine.Probe.ProbeAsync(output.Path, CancellationToken.None);
        Assert.Equal((360, 360), (info.Video!.Width, info.Video.Height));
        MediaAssert.Near(await MediaAssert.PixelAsync(Engine, output.Path, 180, 250), (255, 0, 0), tolerance: 10);
    }
}
