using System.Text.Json.Nodes;
using Montage.Providers.Catalog;
using Montage.Providers.Local;

namespace Montage.Providers.Tests.Local;

[Collection(LocalEngineCollection.Name)]
public sealed class LocalAssemblyFunctionalTests(LocalEngineFixture fixture)
{
    private static readonly ClipFormat Format = new(320, 180, 25);
    private LocalEngine Engine => fixture.Engine;

    [Fact]
    public async Task Normalising_a_silent_square_clip_letterboxes_it_and_adds_silence()
    {
        var path = fixture.Output("normal.mp4");

        var seconds = await Engine.Clips.NormalizeAsync(fixture.ClipSilentSquare, path, Format, CancellationToken.None);

        Assert.Equal(1.2, seconds, 3);
        var info = await MediaAssert.VideoAsync(Engine, path, 320, 180, 1.2, 25, audio: true);
        Assert.InRange(info.Audio!.DurationSeconds!.Value, 1.2 - 0.05, 1.2 + 0.05);
        // Pillarbox bars are black.
        MediaAssert.Near(await MediaAssert.PixelAsync(Engine, path, 5, 90, 0.5), (0, 0, 0), tolerance: 20);
    }

    [Fact]
    public async Task Cuts_and_crossfades_give_the_expected_lengths()
    {
        var first = fixture.Output("a.mp4");
        var second = fixture.Output("b.mp4");
        await Engine.Clips.NormalizeAsync(fixture.ClipWithAudio, first, Format, CancellationToken.None);
        await Engine.Clips.NormalizeAsync(fixture.ClipSilentSquare, second, Format, CancellationToken.None);

        var cut = fixture.Output("cut.mp4");
        await Engine.Clips.ConcatAsync([first, second], cut, null, CancellationToken.None);
        await MediaAssert.VideoAsync(Engine, cut, 320, 180, 2.2, 25, audio: true);

        var faded = fixture.Output("faded.mp4");
        await Engine.Clips.CrossfadeAsync([first, second, first], 0.4, faded, null, CancellationToken.None);
        await MediaAssert.VideoAsync(Engine, faded, 320, 180, 1.0 + 1.2 + 1.0 - 0.8, 25, audio: true);
    }

    [Fact]
    public async Task A_crossfade_longer_than_a_clip_is_refused()
    {
        var clip = fixture.Output("short.mp4");
        await Engine.Clips.NormalizeAsync(fixture.ClipWithAudio, clip, Format, CancellationToken.None);

        await Assert.ThrowsAsync<ArgumentException>(() => Engine.Clips.CrossfadeAsync([clip, clip], 1.5, fixture.Output("x.mp4"), null, CancellationToken.None));
    }

    [Fact]
    public async Task Background_music_is_mixed_for_the_length_of_the_video_and_ducked_under_the_voice()
    {
        var clip = fixture.Output("talk.mp4");
        await Engine.Clips.NormalizeAsync(fixture.ClipWithAudio, clip, Format, CancellationToken.None);
        var silent = fixture.Output("silent.mp4");
        await Engine.Clips.NormalizeAsync(fixture.ClipSilentSquare, silent, Format, CancellationToken.None);

        var ducked = fixture.Output("ducked.mp4");
        var plain = fixture.Output("plain.mp4");
        var musicOnly = fixture.Output("music-only.mp4");
        await Engine.Clips.MixBackgroundAudioAsync(clip, fixture.Music, ducked, 0.5, duck: true, CancellationToken.None);
        await Engine.Clips.MixBackgroundAudioAsync(clip, fixture.Music, plain, 0.5, duck: false, CancellationToken.None);
        await Engine.Clips.MixBackgroundAudioAsync(silent, fixture.Music, musicOnly, 0.5, duck: true, CancellationToken.None);

        await MediaAssert.VideoAsync(Engine, ducked, 320, 180, 1.0, 25, audio: true);
        await MediaAssert.VideoAsync(Engine, musicOnly, 320, 180, 1.2, 25, audio: true);
        // Ducking lowers the music under the voice, so the ducked mix is quieter than the plain one;
        // with no voice the music plays (the silent clip's mix is far from digital silence).
        var duckedLoudness = await Engine.Clips.MeasureLoudnessAsync(ducked, CancellationToken.None);
        var plainLoudness = await Engine.Clips.MeasureLoudnessAsync(plain, CancellationToken.None);
        Assert.True(duckedLoudness < plainLoudness - 0.3, $"ducked {duckedLoudness} LUFS, plain {plainLoudness} LUFS");
        Assert.True(await Engine.Clips.MeasureLoudnessAsync(musicOnly, CancellationToken.None) > -40);
    }

    [Fact]
    public async Task Loudness_is_normalised_to_minus_16_lufs()
    {
        var path = fixture.Output("loud.mp4");
        var before = await Engine.Clips.MeasureLoudnessAsync(fixture.QuietClip, CancellationToken.None);

        await Engine.Clips.NormalizeLoudnessAsync(fixture.QuietClip, path, -16, CancellationToken.None);

        var after = await Engine.Clips.MeasureLoudnessAsync(path, CancellationToken.None);
        Assert.True(before < -25, $"the source should be quiet, was {before} LUFS");
        Assert.InRange(after, -17, -15);
        var info = await Engine.Probe.ProbeAsync(path, CancellationToken.None);
        Assert.Equal(48000, info.Audio!.SampleRate);
    }

    [Fact]
    public async Task The_assemble_model_builds_a_faststart_episode_with_crossfades_music_and_levelled_sound()
    {
        var input = ModelCatalog.Load().Validate("local/assemble", new JsonObject
        {
            ["clips"] = new JsonArray("ast_1", "ast_2"), ["transition"] = "crossfade", ["transition_duration"] = 0.5,
            ["audio"] = "ast_music", ["resolution"] = "180p", ["fps"] = 25,
        });
        Assert.True(input.IsValid);
        var media = new Dictionary<string, string> { ["ast_1"] = fixture.ClipWithAudio, ["ast_2"] = fixture.ClipSilentSquare, ["ast_music"] = fixture.Music };
        var reports = new List<RenderProgress>();

        var result = await Engine.RenderAsync("local/assemble", input.Normalized!, media, fixture.Output("episode"), new SynchronousProgress(reports), CancellationToken.None);

        var episode = Assert.Single(result.Outputs).Path;
        // 0.5 s at 25 fps is rounded to 12 whole frames (0.48 s).
        await MediaAssert.VideoAsync(Engine, episode, 320, 180, 1.0 + 1.2 - 0.48, 25, audio: true);
        var boxes = MediaAssert.TopLevelBoxes(episode).ToList();
        Assert.True(boxes.IndexOf("moov") >= 0 && boxes.IndexOf("moov") < boxes.IndexOf("mdat"), string.Join(",", boxes));
        Assert.InRange(await Engine.Clips.MeasureLoudnessAsync(episode, CancellationToken.None), -17, -15);
        Assert.Equal(1.0, reports[^1].Fraction);
    }
}
