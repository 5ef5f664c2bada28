using System.Diagnostics;

namespace Montage.FakeProviders;

/// <summary>The kinds of output file the fakes serve.</summary>
public enum FakeMediaKind
{
    Image,
    Video,
    VideoWithAudio,
}

/// <summary>
/// Real media made once with FFmpeg and cached in a temp folder: a PNG, an H.264 MP4, and an H.264 + AAC MP4.
/// The metadata below is what the files really contain.
/// </summary>
public static class FakeMedia
{
    public const int Width = 320;
    public const int Height = 240;
    public const double VideoSeconds = 1.0;
    public const double FramesPerSecond = 25;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<FakeMediaKind, string> Cache = [];

    public static string CacheDirectory { get; } = Path.Combine(Path.GetTempPath(), "montage-fake-media-v1");

    public static string ContentType(FakeMediaKind kind) => kind == FakeMediaKind.Image ? "image/png" : "video/mp4";

    public static string FileName(FakeMediaKind kind) => kind switch
    {
        FakeMediaKind.Image => "output.png",
        FakeMediaKind.Video => "output.mp4",
        _ => "output-audio.mp4",
    };

    public static async Task<string> GetPathAsync(FakeMediaKind kind, CancellationToken cancellationToken = default)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (Cache.TryGetValue(kind, out var cached))
            {
                return cached;
            }

            Directory.CreateDirectory(CacheDirectory);
            var path = Path.Combine(CacheDirectory, FileName(kind));
            if (!File.Exists(path))
            {
                // Write under a unique name and move into place, so concurrent processes never see a half-written file.
                var temp = Path.Combine(CacheDirectory, $"{Guid.NewGuid():N}{Path.GetExtension(path)}");
                await RunFfmpegAsync(Arguments(kind, temp), cancellationToken);
                try
                {
                    File.Move(temp, path, overwrite: false);
                }
                catch (IOException) when (File.Exists(path))
                {
                    File.Delete(temp);
                }
            }

            Cache[kind] = path;
            return path;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static IReadOnlyList<string> Arguments(FakeMediaKind kind, string output)
    {
        var size = $"{Width}x{Height}";
        var common = new List<string> { "-hide_banner", "-loglevel", "error", "-y" };
        switch (kind)
        {
            case FakeMediaKind.Image:
                common.AddRange(["-f", "lavfi", "-i", $"testsrc2=size={size}:rate=1", "-frames:v", "1", output]);
                break;
            case FakeMediaKind.Video:
                common.AddRange(["-f", "lavfi", "-i", $"testsrc2=size={size}:rate={FramesPerSecond}", "-t", "1",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", output]);
                break;
            default:
                common.AddRange(["-f", "lavfi", "-i", $"testsrc2=size={size}:rate={FramesPerSecond}",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "1",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                    "-shortest", "-movflags", "+faststart", output]);
                break;
        }

        return common;
    }

    private static async Task RunFfmpegAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start ffmpeg.");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg failed ({process.ExitCode}): {await stderr}");
        }
    }
}
