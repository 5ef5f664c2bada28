using System.Security.Cryptography;
using Montage.FakeProviders;

namespace Montage.AssetStorage.Tests;

/// <summary>Real media made by FFmpeg (cached on disk), and unique random bytes.</summary>
public static class TestMedia
{
    public static async Task<byte[]> PngAsync() => await File.ReadAllBytesAsync(await FakeMedia.GetPathAsync(FakeMediaKind.Image));

    public static async Task<byte[]> Mp4Async() => await File.ReadAllBytesAsync(await FakeMedia.GetPathAsync(FakeMediaKind.Video));

    /// <summary>Bytes no other test uploads, so a test owns its blob.</summary>
    public static byte[] Random(int length) => RandomNumberGenerator.GetBytes(length);

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A PNG of random colour (rendered by FFmpeg), so a test gets its own blob.</summary>
    public static async Task<byte[]> UniquePngAsync(int width = 64, int height = 48)
    {
        var path = Path.Combine(Path.GetTempPath(), $"montage-asset-test-{Guid.NewGuid():N}.png");
        var colour = Convert.ToHexString(RandomNumberGenerator.GetBytes(3));
        try
        {
            await RunAsync("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", $"color=c=0x{colour}:s={width}x{height}", "-frames:v", "1", path);
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A short WAV tone (audio only).</summary>
    public static async Task<byte[]> WavAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"montage-asset-test-{Guid.NewGuid():N}.wav");
        try
        {
            await RunAsync("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", $"sine=frequency={200 + System.Random.Shared.Next(800)}:duration=1", path);
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task RunAsync(string tool, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(tool) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed: {error}");
        }
    }
}
