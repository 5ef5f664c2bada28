using Montage.Contracts.Jobs.V1;
using Montage.FakeProviders;

namespace Montage.Generation.Tests;

/// <summary>Every kind on the local FFmpeg engine, end to end through the real services; outputs checked with ffprobe.</summary>
[Collection(GenerationSystemCollection.Name)]
public sealed class LocalEngineSystemTests(GenerationSystemFixture system)
{
    [Fact]
    public async Task Storyboard_images_are_generated_stored_and_owned_by_the_jobs_owner()
    {
        var owner = GenerationSystemFixture.NewOwner();
        var job = await system.SubmitAsync("image.generate", "local/storyboard",
            """{"prompt":"a lighthouse at dusk","image_size":{"width":320,"height":180},"num_images":2}""", owner);

        var done = await system.WaitForEndAsync(job.Id);

        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
        Assert.Equal(0, done.ActualCostMicros);
        Assert.Equal(2, done.Outputs["images"].AssetIds.Count);
        foreach (var id in done.Outputs["images"].AssetIds)
        {
            var probe = await TestMedia.ProbeAsync(await system.DownloadAsync(id, owner, ".png"));
            var video = TestMedia.Stream(probe, "video")!;
            Assert.Equal("png", (string?)video["codec_name"]);
            Assert.Equal(320, (int)video["width"]!);
            Assert.Equal(180, (int)video["height"]!);
        }
    }

    [Fact]
    public async Task Overlay_composites_a_character_onto_a_background()
    {
        var owner = GenerationSystemFixture.NewOwner();
        var background = await system.UploadAsync(owner, await FakeMedia.GetPathAsync(FakeMediaKind.Image), "image/png");
        var character = await system.UploadAsync(owner, await FakeMedia.GetPathAsync(FakeMediaKind.Image), "image/png");
        var job = await system.SubmitAsync("image.composite", "local/overlay",
            $$"""{"prompt":"the hero stands left","images":["{{background}}","{{character}}"]}""", owner);

        var done = await system.WaitForEndAsync(job.Id);

        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
        var probe = await TestMedia.ProbeAsync(await system.DownloadAsync(Assert.Single(done.Outputs["images"].AssetIds), owner, ".png"));
        Assert.NotNull(TestMedia.Stream(probe, "video"));
    }

    [Fact]
    public async Task Ken_burns_animates_an_image_for_the_requested_duration()
    {
        var owner = GenerationSystemFixture.NewOwner();
        var image = await system.UploadAsync(owner, await FakeMedia.GetPathAsync(FakeMediaKind.Image), "image/png");
        var job = await system.SubmitAsync("video.animate", "local/kenburns",
            $$"""{"image":"{{image}}","duration":2,"fps":24,"resolution":"180p"}""", owner);

        var done = await system.WaitForEndAsync(job.Id);

        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
        var probe = await TestMedia.ProbeAsync(await system.DownloadAsync(Assert.Single(done.Outputs["video"].AssetIds), owner, ".mp4"));
        Assert.Equal("h264", (string?)TestMedia.Stream(probe, "video")!["codec_name"]);
        Assert.InRange(TestMedia.Duration(probe), 2 - (1.0 / 24), 2 + (1.0 / 24));
    }

    [Fact]
    public async Task Avatar_speaks_for_the_length_of_the_voice_track()
    {
        var owner = GenerationSystemFixture.NewOwner();
        var image = await system.UploadAsync(owner, await FakeMedia.GetPathAsync(FakeMediaKind.Image), "image/png");
        var voice = await system.UploadAsync(owner, await TestMedia.ToneAsync(system.WorkDir), "audio/wav");
        var job = await system.SubmitAsync("video.avatar", "local/avatar",
            $$"""{"image":"{{image}}","audio":"{{voice}}","resolution":"180p"}""", owner);

        var done = await system.WaitForEndAsync(job.Id);

        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
        var probe = await TestMedia.ProbeAsync(await system.DownloadAsync(Assert.Single(done.Outputs["video"].AssetIds), owner, ".mp4"));
        Assert.NotNull(TestMedia.Stream(probe, "audio"));
        Assert.InRange(TestMedia.Duration(probe), 1.9, 2.2);
    }

    [Fact]
    public async Task Assembly_crossfades_clips_mixes_music_and_normalises_loudness()
    {
        var owner = GenerationSystemFixture.NewOwner();
        var first = await system.UploadAsync(owner, await TestMedia.ClipAsync(system.WorkDir, 2, withAudio: true), "video/mp4");
        var second = await system.UploadAsync(owner, await TestMedia.ClipAsync(system.WorkDir, 2, withAudio: false), "video/mp4");
        var music = await system.UploadAsync(owner, await TestMedia.ToneAsync(system.WorkDir, 5), "audio/wav");
        var job = await system.SubmitAsync("video.assemble", "local/assemble",
            $$"""{"clips":["{{first}}","{{second}}"],"transition":"crossfade","transition_duration":0.5,"audio":"{{music}}","fps":25,"resolution":"180p"}""", owner);

        var done = await system.WaitForEndAsync(job.Id, TimeSpan.FromMinutes(5));

        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
        var path = await system.DownloadAsync(Assert.Single(done.Outputs["video"].AssetIds), owner, ".mp4");
        var probe = await TestMedia.ProbeAsync(path);
        Assert.Equal("h264", (string?)TestMedia.Stream(probe, "video")!["codec_name"]);
        Assert.Equal("aac", (string?)TestMedia.Stream(probe, "audio")!["codec_name"]);
        // Two 2 s clips with one 0.5 s crossfade: 3.5 s, within one frame at 25 fps.
        Assert.InRange(TestMedia.Duration(probe), 3.5 - 0.04, 3.5 + 0.04);
        Assert.InRange(await TestMedia.IntegratedLoudnessAsync(path), -17, -15);
    }
}
