using Montage.Providers.Local;

namespace Montage.Providers.Tests.Local;

/// <summary>
/// The MP4 index reader that spares an ffprobe per clip must say exactly what ffprobe says about the files it accepts,
/// and hand everything else to ffprobe.
/// </summary>
[Collection(LocalEngineCollection.Name)]
public sealed class ClipProbeFunctionalTests(LocalEngineFixture fixture)
{
    private LocalEngine Engine => fixture.Engine;

    [Fact]
    public async Task The_index_reader_agrees_with_ffprobe_on_every_clip_it_reads()
    {
        var copied = fixture.Output("probe-episode.mp4");
        await Engine.Episodes.RenderAsync(new EpisodeRequest(fixture.MatchingClips, new ClipFormat(320, 180, 25)), copied, null, CancellationToken.None);
        List<string> clips = [.. fixture.MatchingClips, fixture.ClipWithAudio, fixture.ClipSilentSquare, fixture.QuietClip, copied];
        var probe = new ClipStreamProbe(Engine.Runner);

        var read = 0;
        foreach (var clip in clips)
        {
            var expected = await probe.ProbeWithFfprobeAsync(clip, CancellationToken.None);
            if (Mp4StreamFacts.TryRead(clip) is not { } actual)
            {
                continue;
            }

            read++;
            Assert.Equal(Normalised(expected), Normalised(actual));
        }

        // The normalised clips, the x264 clips and the episode are all plain MP4: each one is read without ffprobe.
        Assert.Equal(clips.Count, read);
    }

    [Fact]
    public async Task Files_the_reader_does_not_handle_go_to_ffprobe()
    {
        var webm = fixture.Output("clip.webm");
        await Engine.Runner.RunAsync(["-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=0.4", "-c:v", "libvpx-vp9", "-deadline", "realtime", webm], null, CancellationToken.None);
        var fullChroma = fixture.Output("yuv444.mp4");
        await Engine.Runner.RunAsync(["-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=0.4", "-c:v", "libx264", "-pix_fmt", "yuv444p", fullChroma], null, CancellationToken.None);

        var wide = fixture.Output("anamorphic.mp4");
        await Engine.Runner.RunAsync(["-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=0.4", "-vf", "setsar=4/3", "-c:v", "libx264", "-pix_fmt", "yuv420p", wide], null, CancellationToken.None);
        var fullRange = fixture.Output("full-range.mp4");
        await Engine.Runner.RunAsync(["-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=0.4", "-c:v", "libx264", "-pix_fmt", "yuvj420p", fullRange], null, CancellationToken.None);

        Assert.Null(Mp4StreamFacts.TryRead(webm));
        Assert.Null(Mp4StreamFacts.TryRead(fullChroma));
        Assert.Null(Mp4StreamFacts.TryRead(wide));
        Assert.Null(Mp4StreamFacts.TryRead(fullRange));
        Assert.Null(Mp4StreamFacts.TryRead(fixture.Music));
        var probe = new ClipStreamProbe(Engine.Runner);
        Assert.Equal("yuv444p", (await probe.ProbeAsync(fullChroma, CancellationToken.None)).Video!.PixelFormat);
        Assert.Equal("4:3", (await probe.ProbeAsync(wide, CancellationToken.None)).Video!.SampleAspectRatio);
        Assert.Equal("yuvj420p", (await probe.ProbeAsync(fullRange, CancellationToken.None)).Video!.PixelFormat);
        Assert.Equal("vp9", (await probe.ProbeAsync(webm, CancellationToken.None)).Video!.Codec);
    }

    // ffprobe prints six decimals; the reader computes the exact fraction.
    private static ClipStreamFacts Normalised(ClipStreamFacts facts) => facts with
    {
        ContainerSeconds = Math.Round(facts.ContainerSeconds, 5),
        Video = facts.Video! with { StartSeconds = Math.Round(facts.Video.StartSeconds, 5), DurationSeconds = Math.Round(facts.Video.DurationSeconds, 5) },
        Audio = facts.Audio is null ? null : facts.Audio with { StartSeconds = Math.Round(facts.Audio.StartSeconds, 5), DurationSeconds = Math.Round(facts.Audio.DurationSeconds, 5) },
    };
}
