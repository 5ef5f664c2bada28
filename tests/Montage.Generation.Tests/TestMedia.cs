using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Montage.Generation.Tests;

/// <summary>Real media made with FFmpeg for inputs, and FFprobe / EBU R128 readings of outputs.</summary>
public static partial class TestMedia
{
    /// <summary>A 2.0 s 440 Hz tone as 44.1 kHz WAV (exactly 88200 samples).</summary>
    public static Task<string> ToneAsync(string directory, double seconds = 2) =>
        MakeAsync(directory, $"tone-{seconds}.wav", $"-f lavfi -i sine=frequency=440:sample_rate=44100:duration={Text(seconds)} -c:a pcm_s16le");

    /// <summary>A 320x180 25 fps H.264 test clip, with or without an AAC track.</summary>
    public static Task<string> ClipAsync(string directory, double seconds, bool withAudio)
    {
        var audio = withAudio ? $"-f lavfi -i sine=frequency=330:sample_rate=48000:duration={Text(seconds)} -c:a aac -shortest" : "";
        return MakeAsync(directory, $"clip-{seconds}-{withAudio}.mp4",
            $"-f lavfi -i testsrc=size=320x180:rate=25:duration={Text(seconds)} {audio} -c:v libx264 -preset ultrafast -pix_fmt yuv420p");
    }

    public static async Task<JsonObject> ProbeAsync(string path)
    {
        var output = await RunAsync("ffprobe", $"-v error -print_format json -show_format -show_streams \"{path}\"");
        return JsonNode.Parse(output)!.AsObject();
    }

    public static double Duration(JsonObject probe) => double.Parse((string)probe["format"]!["duration"]!, CultureInfo.InvariantCulture);

    public static JsonObject? Stream(JsonObject probe, string codecType) =>
        probe["streams"]!.AsArray().OfType<JsonObject>().FirstOrDefault(s => (string?)s["codec_type"] == codecType);

    /// <summary>Integrated loudness (LUFS) by FFmpeg's EBU R128 filter.</summary>
    public static async Task<double> IntegratedLoudnessAsync(string path)
    {
        var output = await RunAsync("ffmpeg", $"-hide_banner -nostats -i \"{path}\" -af ebur128 -f null -", captureErrors: true);
        var matches = IntegratedPattern().Matches(output);
        Assert.NotEmpty(matches);
        return double.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task<string> MakeAsync(string directory, string name, string arguments)
    {
        var path = Path.Combine(directory, name);
        if (!File.Exists(path))
        {
            var temp = Path.Combine(directory, Guid.NewGuid().ToString("N") + Path.GetExtension(name));
            await RunAsync("ffmpeg", $"-hide_banner -loglevel error -y {arguments} \"{temp}\"");
            File.Move(temp, path, overwrite: true);
        }

        return path;
    }

    private static async Task<string> RunAsync(string program, string arguments, bool captureErrors = false)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} failed: {await stderr}");
        return captureErrors ? await stderr : await stdout;
    }

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"I:\s+(-?[0-9.]+) LUFS")]
    private static partial Regex IntegratedPattern();
}
