using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Montage.Providers.Tests.Support;

/// <summary>Checks downloaded outputs with ffprobe, so "a real video" is a fact, not a file name.</summary>
public static class MediaAssertions
{
    public static async Task<byte[]> DownloadAsync(Uri url)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        return await client.GetByteArrayAsync(url);
    }

    /// <summary>The codec names of the streams in a media file, e.g. ["h264", "aac"].</summary>
    public static async Task<IReadOnlyList<string>> CodecsAsync(byte[] media)
    {
        var path = Path.Combine(Path.GetTempPath(), $"montage-probe-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(path, media);
        try
        {
            var start = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "-v", "error", "-show_entries", "stream=codec_name", "-of", "json", path })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
            var streams = JsonNode.Parse(output)?["streams"]?.AsArray() ?? [];
            return streams.Select(s => (string?)s?["codec_name"] ?? string.Empty).ToList();
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
}
