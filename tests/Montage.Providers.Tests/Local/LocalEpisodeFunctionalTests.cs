using System.Text.Json.Nodes;
using Montage.Providers.Catalog;
using Montage.Providers.Local;

namespace Montage.Providers.Tests.Local;

/// <summary>Whole episodes from the local engine, checked with ffprobe and FFmpeg's own meters.</summary>
[Collection(LocalEngineCollection.Name)]
public sealed class LocalEpisodeFunctionalTests(LocalEngineFixture fixture)
{
    private const double Frame = 1.0 / 25;
    private const string Subtitles = "1\n00:00:00,100 --> 00:00:01,900\nMONTAGE SUBTITLE LINE\n\n2\n00:00:02,000 --> 00:00:03,000\nSECOND\n";
    private static readonly ClipFormat Format = new(320, 180, 25);
    private LocalEngine Engine => fixture.Engine;

    [Fact]
    public async Task Clips_already_in_the_episode_format_are_joined_by_stream_copy_with_exact_length_and_levelled_sound()
    {
        var episode = fixture.Output("copied.mp4");

        var report = await Engine.Episodes.RenderAsync(new EpisodeRequest(fixture.MatchingClips, Format), episode, null, CancellationToken.None);

        Assert.True(report.VideoStreamCopied, report.StreamCopyRefusal);
        var info = await MediaAssert.VideoAsync(Engine, episode, 320, 180, 1.0 + 1.2 + 3.0, 25, audio: true);
        Assert.InRange(info.DurationSeconds, 5.2 - Frame, 5.2 + Frame);
        // Not a sample of AAC padding is left: copied, levelled or mixed, the sound lasts as long as the pictures.
        Assert.InRange(info.Audio!.DurationSeconds!.Value, 5.2 - 0.002, 5.2 + 0.002);
        await AssertVideoCopiedAsync(fixture.MatchingClips, episode);
        Assert.InRange(await Engine.Clips.MeasureLoudnessAsync(episode, CancellationToken.None), -17, -15);
        Assert.True(report.LoudnessChanged, $"the quiet clips measured {report.Loudness}");
        var boxes = MediaAssert.TopLevelBoxes(episode).ToList();
        Assert.True(boxes.IndexOf("moov") >= 0 && boxes.IndexOf("moov") < boxes.IndexOf("mdat"), string.Join(",", boxes));
        // Each clip's sound stays under its own pictures: the silent middle clip is still silent after the join and the gain.
        Assert.True(await MediaAssert.MaxVolumeAsync(Engine, episode, 1.0 + 0.05, 2.2 - 0.05) < -60);
        Assert.True(await MediaAssert.MaxVolumeAsync(Engine, episode, 0.1, 0.9) > -30);
    }

    [Fact]
    public async Task An_episode_already_at_the_target_loudness_needs_no_second_pass()
    {
        var levelled = fixture.Output("levelled.mp4");
        await Engine.Episodes.RenderAsync(new EpisodeRequest(fixture.MatchingClips, Format), levelled, null, CancellationToken.None);

        var again = fixture.Output("again.mp4");
        var report = await Engine.Episodes.RenderAsync(new EpisodeRequest([levelled], Format), again, null, CancellationToken.None);

        Assert.True(report.VideoStreamCopied, report.StreamCopyRefusal);
        Assert.False(report.LoudnessChanged, $"measured {report.Loudness}");
        Assert.InRange(report.Loudness!.IntegratedLufs, -16.5, -15.5);
        Assert.InRange(await Engine.Clips.MeasureLoudnessAsync(again, CancellationToken.None), -17, -15);
    }

    [Fact]
    public async Task Clips_of_other_formats_are_normalised_and_re_encoded_and_a_clip_without_audio_gets_silence()
    {
        var episode = fixture.Output("mixed.mp4");
        List<string> clips = [fixture.ClipWithAudio, fixture.ClipSilentSquare, fixture.QuietClip];

        var report = await Engine.Episodes.RenderAsync(new EpisodeRequest(clips, Format), episode, null, CancellationToken.None);

        Assert.False(report.VideoStreamCopied);
        Assert.Equal("clip 1: audio aac 44100 Hz 1 ch, not aac 48000 Hz stereo", report.StreamCopyRefusal);
        var info = await MediaAssert.VideoAsync(Engine, episode, 320, 180, 1.0 + 1.2 + 3.0, 25, audio: true);
        Assert.InRange(info.DurationSeconds, 5.2 - Frame, 5.2 + Frame);
        Assert.InRange(info.Audio!.DurationSeconds!.Value, 5.2 - 0.002, 5.2 + 0.002);
        Assert.True(await MediaAssert.MaxVolumeAsync(Engine, episode, 1.0 + 0.05, 2.2 - 0.05) < -60);
        Assert.True(await MediaAssert.MaxVolumeAsync(Engine, episode, 0.1, 0.9) > -30);
        Assert.InRange(await Engine.Clips.MeasureLoudnessAsync(episode, CancellationToken.None), -17, -15);
    }

    [Fact]
    public async Task Matching_clips_are_re_encoded_when_copying_is_not_allowed_and_come_out_the_same_length()
    {
        var episode = fixture.Output("forced.mp4");

        var report = await Engine.Episodes.RenderAsync(new EpisodeRequest(fixture.MatchingClips, Format, AllowStreamCopy: false), episode, null, CancellationToken.None);

        Assert.False(report.VideoStreamCopied);
        Assert.Null(report.StreamCopyRefusal);
        await MediaAssert.VideoAsync(Engine, episode, 320, 180, 5.2, 25, audio: true);
        Assert.NotEqual((await MediaAssert.VideoPacketsAsync(Engine, fixture.MatchingClips[0])).Take(5), (await MediaAssert.VideoPacketsAsync(Engine, episode)).Take(5));
    }

    [Fact]
    public async Task Crossfades_shorten_the_episode_by_their_length_and_the_sound_is_levelled()
    {
        var episode = fixture.Output("crossfaded.mp4");

        var report = await Engine.Episodes.RenderAsync(new EpisodeRequest(fixture.MatchingClips, Format, CrossfadeSeconds: 0.4), episode, null, CancellationToken.None);

        Assert.False(report.VideoStreamCopied);
        var info = await MediaAssert.VideoAsync(Engine, episode, 320, 180, 5.2 - (2 * 0.4), 25, audio: true);
        Assert.InRange(info.DurationSeconds, 4.4 - Frame, 4.4 + Frame);
        Assert.InRange(await Engine.Clips.MeasureLoudnessAsync(episode, CancellationToken.None), -17, -15);
    }

    [Fact]
    public async Task Clips_of_other_formats_crossfaded_under_music_keep_sound_and_pictures_the_same_length()
    {
        var episode = fixture.Output("mixed-crossfade-music.mp4");
        List<string> clips = [fixture.ClipWithAudio, fixture.ClipSilentSquare, fixture.QuietClip];

        var report = await Engine.Episodes.RenderAsync(
            new EpisodeRequest(clips, Format, CrossfadeSeconds: 0.4, MusicPath: fixture.Music, MusicVolume: 0.5), episode, null, CancellationToken.None);

        Assert.False(report.VideoStreamCopied);
        Assert.Null(report.StreamCopyRefusal);
        // 25 + 30 + 75 frames, less two fades of 10 frames: 110 frames of 25 fps.
        var info = await MediaAssert.VideoAsync(Engine, episode, 320, 180, 4.4, 25, audio: true);
        Assert.InRange(info.Audio!.DurationSeconds!.Value, 4.4 - 0.002, 4.4 + 0.002);
        // The silent square clip is on screen from 0.6 to 1.8 s; the music plays under it.
        Assert.True(await MediaAssert.MaxVolumeAsync(Engine, episode, 1.0, 1.4) > -40);
        Assert.InRange(await Engine.Clips.MeasureLoudnessAsync(episode, CancellationToken.None), -17, -15);
        Assert.Equal(!LoudnessNormalizer.IsLevelled(report.Loudness!, -16), report.LoudnessChanged);
    }

    [Fact]
    public async Task Background_music_keeps_the_copied_video()
    {
        var episode = fixture.Output("music.mp4");

        var report = await Engine.Episodes.RenderAsync(new EpisodeRequest(fixture.MatchingClips, Format, MusicPath: fixture.Music, MusicVolume: 0.5), episode, null, CancellationToken.None);

        Assert.True(report.VideoStreamCopied, report.StreamCopyRefusal);
        var info = await MediaAssert.VideoAsync(Engine, episode, 320, 180, 5.2, 25, audio: true);
        Assert.InRange(info.Audio!.DurationSeconds!.Value, 5.2 - 0.002, 5.2 + 0.002);
        await AssertVideoCopiedAsync(fixture.MatchingClips, episode);
        // The music fills the once silent middle clip.
        Assert.True(await MediaAssert.MaxVolumeAsync(Engine, episode, 1.1, 2.1) > -40);
        Assert.InRange(await Engine.Clips.MeasureLoudnessAsync(episode, CancellationToken.None), -17, -15);
    }

    [Fact]
    public async Task Subtitles_are_burned_into_the_picture_while_they_are_on_screen()
    {
        var srt = fixture.Output("episode.srt");
        await File.WriteAllTextAsync(srt, Subtitles);
        var plain = fixture.Output("plain.mp4");
        var subtitled = fixture.Output("subtitled.mp4");

        await Engine.Episodes.RenderAsync(new EpisodeRequest(fixture.MatchingClips, Format), plain, null, CancellationToken.None);
        var report = await Engine.Episodes.RenderAsync(new EpisodeRequest(fixture.MatchingClips, Format, SubtitlesPath: srt), subtitled, null, CancellationToken.None);

        // Joined by copy, then encoded once to draw the text.
        Assert.True(report.VideoStreamCopied, report.StreamCopyRefusal);
        await MediaAssert.VideoAsync(Engine, subtitled, 320, 180, 5.2, 25, audio: true);
        var during = await MediaAssert.BottomThirdDifferenceAsync(Engine, plain, subtitled, 1.0);
        var after = await MediaAssert.BottomThirdDifferenceAsync(Engine, plain, subtitled, 4.5);
        Assert.True(during > 3 * Math.Max(after, 1), $"bottom third differs by {during} with text on screen, {after} without");
    }

    [Fact]
    public async Task The_assemble_model_burns_inline_subtitle_text_into_a_crossfaded_episode()
    {
        var input = ModelCatalog.Load().Validate("local/assemble", new JsonObject
        {
            ["clips"] = new JsonArray("ast_1", "ast_2", "ast_3"), ["transition"] = "crossfade", ["transition_duration"] = 0.4,
            ["subtitles_text"] = Subtitles, ["resolution"] = "180p", ["fps"] = 25,
        });
        Assert.True(input.IsValid);
        var media = new Dictionary<string, string> { ["ast_1"] = fixture.MatchingClips[0], ["ast_2"] = fixture.MatchingClips[1], ["ast_3"] = fixture.MatchingClips[2] };
        var plain = fixture.Output("plain-crossfade.mp4");
        await Engine.Episodes.RenderAsync(new EpisodeRequest(fixture.MatchingClips, Format, CrossfadeSeconds: 0.4), plain, null, CancellationToken.None);

        var result = await Engine.RenderAsync("local/assemble", input.Normalized!, media, fixture.Output("episode-subtitled"), null, CancellationToken.None);

        var episode = Assert.Single(result.Outputs).Path;
        await MediaAssert.VideoAsync(Engine, episode, 320, 180, 4.4, 25, audio: true);
        var during = await MediaAssert.BottomThirdDifferenceAsync(Engine, plain, episode, 1.0);
        var after = await MediaAssert.BottomThirdDifferenceAsync(Engine, plain, episode, 4.0);
        Assert.True(during > 3 * Math.Max(after, 1), $"bottom third differs by {during} with text on screen, {after} without");
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(episode)!, "subtitles.srt")));
    }

    /// <summary>
    /// Not one video packet was re-encoded: the episode's packets are the clips' packets, in order. The concat demuxer
    /// repeats the H.264 parameter sets in-band in each clip's first packet, so that one only grows.
    /// </summary>
    private async Task AssertVideoCopiedAsync(IReadOnlyList<string> clips, string episode)
    {
        var joined = await MediaAssert.VideoPacketsAsync(Engine, episode);
        var position = 0;
        foreach (var clip in clips)
        {
            var packets = await MediaAssert.VideoPacketsAsync(Engine, clip);
            Assert.True(joined.Count >= position + packets.Count, "the episode has fewer video packets than its clips");
            Assert.True(Size(joined[position]) > Size(packets[0]), $"first packet {joined[position]} vs {packets[0]}");
            Assert.Equal(packets.Skip(1), joined.Skip(position + 1).Take(packets.Count - 1));
            position += packets.Count;
        }

        Assert.Equal(position, joined.Count);

        static int Size(string packet) => int.Parse(packet.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_file_that_is_not_subtitles_is_refused_before_any_encoding()
    {
        var bogus = fixture.Output("not-subtitles.srt");
        await File.WriteAllBytesAsync(bogus, [0, 1, 2, 3, 0xFF, 0xFE, 0, 0]);

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            Engine.Episodes.RenderAsync(new EpisodeRequest(fixture.MatchingClips, Format, SubtitlesPath: bogus), fixture.Output("x.mp4"), null, CancellationToken.None));
        Assert.Contains("subtitles", error.Message, StringComparison.Ordinal);
    }
}
