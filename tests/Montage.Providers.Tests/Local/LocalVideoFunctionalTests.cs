using System.Diagnostics;
using System.Text.Json.Nodes;
using Montage.Providers.Catalog;
using Montage.Providers.Local;

namespace Montage.Providers.Tests.Local;

[Collection(LocalEngineCollection.Name)]
public sealed class LocalVideoFunctionalTests(LocalEngineFixture fixture)
{
    private LocalEngine Engine => fixture.Engine;

    [Theory]
    [InlineData("fast pan left", true)]
    [InlineData("slow zoom out", true)]
    [InlineData("tilt up", true)]
    [InlineData("static shot", false)]
    public async Task Ken_burns_renders_exact_length_h264_with_the_motion_asked_for(string motion, bool moves)
    {
        var path = fixture.Output("kenburns.mp4");
        var reports = new List<RenderProgress>();

        await Engine.KenBurns.RenderAsync(new KenBurnsRequest(fixture.Landscape, motion, 2, 24, 320, 180), path, new SynchronousProgress(reports), CancellationToken.None);

        var info = await MediaAssert.VideoAsync(Engine, path, 320, 180, 2.0, 24, audio: false);
        Assert.Equal(1, info.StreamCount);
        var difference = await MediaAssert.FrameDifferenceAsync(Engine, path, 0, 1.9);
        // Encoding noise alone stays well under 1 grey level; the mildest move here measures about 5.
        Assert.True(moves ? difference > 3 : difference < 1, $"frame difference {difference} for '{motion}'");
        Assert.NotEmpty(reports);
        Assert.Equal(1.0, reports[^1].Fraction);
        var boxes = MediaAssert.TopLevelBoxes(path).ToList();
        Assert.True(boxes.IndexOf("moov") >= 0 && boxes.IndexOf("moov") < boxes.IndexOf("mdat"), string.Join(",", boxes));
    }

    [Theory]
    [InlineData("fast pan right", true)]
    [InlineData("fast pan left", false)]
    [InlineData("fast tilt down", true)]
    [InlineData("fast tilt up", false)]
    public async Task The_camera_moves_the_way_the_prompt_says(string motion, bool endsBrighter)
    {
        // The source is dark on the left and top, bright on the right and bottom.
        var path = fixture.Output("direction.mp4");

        await Engine.KenBurns.RenderAsync(new KenBurnsRequest(fixture.Quadrants, motion, 2, 24, 320, 180), path, null, CancellationToken.None);

        var first = await MediaAssert.MeanBrightnessAsync(Engine, path, 0);
        var last = await MediaAssert.MeanBrightnessAsync(Engine, path, 1.95);
        Assert.True(endsBrighter ? last > first + 5 : last < first - 5, $"'{motion}': brightness {first:F1} -> {last:F1}");
    }

    [Fact]
    public async Task Ken_burns_crossfades_to_the_end_frame_in_a_vertical_frame()
    {
        var input = ModelCatalog.Load().Validate("local/kenburns", new JsonObject
        {
            ["image"] = "ast_a", ["end_image"] = "ast_end", ["prompt"] = "slow push in", ["duration"] = 1.5,
            ["fps"] = 24, ["aspect_ratio"] = "vertical", ["resolution"] = "180p",
        });
        var media = new Dictionary<string, string> { ["ast_a"] = fixture.Landscape, ["ast_end"] = fixture.GreenCard };

        var result = await Engine.RenderAsync("local/kenburns", input.Normalized!, media, fixture.Output("kb-model"), null, CancellationToken.None);

        var video = Assert.Single(result.Outputs);
        Assert.Equal(("video", "video/mp4"), (video.Name, video.ContentType));
        await MediaAssert.VideoAsync(Engine, video.Path, 180, 320, 1.5, 24, audio: false);
        // The last frame (1.458 s) is 11/12 of the way into the fade to the green end card.
        MediaAssert.Near(await MediaAssert.PixelAsync(Engine, video.Path, 90, 160, 1.44), (0, 192, 0), tolerance: 32);
    }

    [Fact]
    public async Task An_avatar_lasts_as_long_as_the_voice_and_keeps_it()
    {
        var path = fixture.Output("avatar.mp4");

        var seconds = await Engine.Avatar.RenderAsync(new AvatarRequest(fixture.Portrait, fixture.VoiceMp3, 25, 320, 180), path, null, CancellationToken.None);

        Assert.Equal(1.5, seconds, 2);
        var info = await MediaAssert.VideoAsync(Engine, path, 320, 180, 1.5, 25, audio: true);
        Assert.InRange(info.Audio!.DurationSeconds!.Value, 1.5 - 0.04, 1.5 + 0.04);
        Assert.True(await MediaAssert.FrameDifferenceAsync(Engine, path, 0, 1.0) > 2, "the portrait does not move");
    }

    [Fact]
    public async Task The_avatar_model_renders_a_larger_square_video()
    {
        var input = ModelCatalog.Load().Validate("local/avatar", new JsonObject
        {
            ["image"] = "ast_face", ["audio"] = "ast_voice", ["aspect_ratio"] = "square", ["resolution"] = "480p",
        });
        var media = new Dictionary<string, string> { ["ast_face"] = fixture.Portrait, ["ast_voice"] = fixture.Voice };

        var result = await Engine.RenderAsync("local/avatar", input.Normalized!, media, fixture.Output("avatar-model"), null, CancellationToken.None);

        await MediaAssert.VideoAsync(Engine, Assert.Single(result.Outputs).Path, 480, 480, 1.5, 25, audio: true);
    }

    [Fact]
    public async Task Cancelling_a_render_kills_ffmpeg()
    {
        using var cancel = new CancellationTokenSource();
        var pid = 0;
        var progress = new SynchronousProgress([], _ => cancel.Cancel());
        var run = new FfmpegRun { Started = id => pid = id, Progress = progress, ExpectedDuration = TimeSpan.FromMinutes(10) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Engine.Runner.RunAsync(
            ["-f", "lavfi", "-i", "testsrc2=s=1280x720:r=25", "-t", "600", "-c:v", "libx264", "-preset", "ultrafast", "-f", "null", "-"],
            run,
            cancel.Token));

        Assert.NotEqual(0, pid);
        Assert.True(ProcessIsGone(pid), "ffmpeg still runs after cancellation");
    }

    [Fact]
    public async Task A_failed_render_reports_ffmpeg_errors_without_paths()
    {
        var missing = Path.Combine(fixture.Directory, "secret-folder", "missing.png");

        var error = await Assert.ThrowsAsync<FfmpegException>(() =>
            Engine.KenBurns.RenderAsync(new KenBurnsRequest(missing, null, 1, 24, 320, 180), fixture.Output("never.mp4"), null, CancellationToken.None));

        Assert.NotEqual(0, error.ExitCode);
        Assert.Contains("No such file", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_ffmpeg_is_reported_plainly()
    {
        var runner = new FfmpegRunner(new LocalEngineOptions { FfmpegPath = Path.Combine(fixture.Directory, "no-such-ffmpeg") });

        var error = await Assert.ThrowsAsync<FfmpegException>(() => runner.RunAsync(["-version"], null, CancellationToken.None));

        Assert.Contains("could not be started", error.Message, StringComparison.Ordinal);
    }

    private static bool ProcessIsGone(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited || process.WaitForExit(10_000);
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}

/// <summary>Records progress on the reporting thread (Progress&lt;T&gt; would post to the thread pool and race the assertions).</summary>
internal sealed class SynchronousProgress(List<RenderProgress> reports, Action<RenderProgress>? onReport = null) : IProgress<RenderProgress>
{
    public void Report(RenderProgress value)
    {
        lock (reports)
        {
            reports.Add(value);
        }

        onReport?.Invoke(value);
    }
}
