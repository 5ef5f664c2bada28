using System.Diagnostics;
using System.Security.Cryptography;

namespace Montage.Gateway.Tests.Infrastructure;

/// <summary>A real PNG of a random colour, rendered by FFmpeg, so each test uploads bytes of its own.</summary>
public static class TestPng
{
    public static async Task<byte[]> CreateAsync(int width = 64, int height = 48)
    {
        var path = Path.Combine(Path.GetTempPath(), $"montage-gateway-api-{Guid.NewGuid():N}.png");
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-v", "error", "-y", "-f", "lavfi", "-i", $"color=c=0x{Convert.ToHexString(RandomNumberGenerator.GetBytes(3))}:s={width}x{height}", "-frames:v", "1", path })
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
