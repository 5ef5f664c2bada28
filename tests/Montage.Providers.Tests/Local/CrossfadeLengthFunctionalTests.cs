using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Montage.Providers.Catalog;

namespace Montage.Providers.Tests.Local;

/// <summary>
/// A crossfade whose transition runs to the last frame of the first clip: FFmpeg's xfade leaves a hole in the
/// timestamps there, and an episode that let the encoder fill it came out one frame longer than its sound.
/// </summary>
[Collection(LocalEngineCollection.Name)]
public sealed class CrossfadeLengthFunctionalTests(LocalEngineFixture fixture)
{
    [Fact]
    public async Task Two_2_s_clips_crossfaded_for_12_frames_make_exactly_88_frames_and_as_much_sound()
    {
        var run = fixture.Engine.Runner;
        var (first, second, music) = (fixture.Output("xf-first.mp4"), fixture.Output("xf-second.mp4"), fixture.Output("xf-music.wav"));
        await run.RunAsync(
            ["-f", "lavfi", "-i", "testsrc=size=320x180:rate=25:duration=2", "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000:duration=2",
             "-c:a", "aac", "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", first],
            null,
            CancellationToken.None);
        await run.RunAsync(["-f", "lavfi", "-i", "testsrc=size=320x180:rate=25:duration=2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", second], null, CancellationToken.None);
        await run.RunAsync(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=5", "-c:a", "pcm_s16le", music], null, CancellationToken.None);
        var input = ModelCatalog.Load().Validate("local/assemble", new JsonObject
        {
            ["clips"] = new JsonArray("ast_1", "ast_2"), ["transition"] = "crossfade", ["transition_duration"] = 0.5,
            ["audio"] = "ast_music", ["resolution"] = "180p", ["fps"] = 25,
        });
        Assert.True(input.IsValid);
        var media = new Dictionary<string, string> { ["ast_1"] = first, ["ast_2"] = second, ["ast_music"] = music };

        var result = await fixture.Engine.RenderAsync("local/assemble", input.Normalized!, media, fixture.Output("xf"), null, CancellationToken.None);

        // 0.5 s at 25 fps rounds to 12 frames: 50 + 50 - 12 = 88 frames, 3.52 s of pictures and of sound.
        var (frames, videoSeconds, audioSeconds) = await CountAsync(Assert.Single(result.Outputs).Path);
        Assert.Equal(88, frames);
        Assert.Equal(3.52, videoSeconds, 3);
        Assert.Equal(3.52, audioSeconds, 2);
    }

    private static async Task<(int Frames, double VideoSeconds, double AudioSeconds)> CountAsync(string path)
    {
        var start = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-v", "error", "-count_frames", "-show_entries", "stream=codec_type,nb_read_frames,duration", "-of", "json", path })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var streams = JsonNode.Parse(await process.StandardOutput.ReadToEndAsync())!["streams"]!.AsArray();
        await process.WaitForExitAsync();
        var video = streams.First(s => (string?)s!["codec_type"] == "video")!;
        var audio = streams.First(s => (string?)s!["codec_type"] == "audio")!;
        return (int.Parse((string)video["nb_read_frames"]!, CultureInfo.InvariantCulture),
            double.Parse((string)video["duration"]!, CultureInfo.InvariantCulture),
            double.Parse((string)audio["duration"]!, CultureInfo.InvariantCulture));
    }
}
