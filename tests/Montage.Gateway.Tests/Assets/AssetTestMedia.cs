using System.Diagnostics;
using System.Security.Cryptography;
using Montage.FakeProviders;

namespace Montage.Gateway.Tests.Assets;

/// <summary>Real media made by FFmpeg, and unique random bytes (so a test owns its blob).</summary>
public static class AssetTestMedia
{
    public static async Task<byte[]> PngAsync() => await File.ReadAllBytesAsync(await FakeMedia.GetPathAsync(FakeMediaKind.Image));

    public static byte[] Random(int length) => RandomNumberGenerator.GetBytes(length);

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A PNG of a random colour, so each test uploads bytes of its own.</summary>
    public static Task<byte[]> UniquePngAsync(int width = 64, int height = 48) =>
        RenderAsync("png", "-f", "lavfi", "-i", $"color=c=0x{Convert.ToHexString(RandomNumberGenerator.GetBytes(3))}:s={width}x{height}", "-frames:v", "1");

    /// <summary>A one-second WAV tone of a random pitch (audio only).</summary>
    public static Task<byte[]> WavAsync() =>
        RenderAsync("wav", "-f", "lavfi", "-i", $"sine=frequency={200 + System.Random.Shared.Next(800)}:duration=1");

    private static async Task<byte[]> RenderAsync(string extension, params string[] arguments)
    {
        var path = Path.Combine(Path.GetTempPath(), $"montage-gateway-test-{Guid.NewGuid():N}.{extension}");
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-v", "error", "-y" }.Concat(arguments).Append(path))
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, "ffmpeg failed: " + error);
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
