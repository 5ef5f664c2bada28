using Montage.Providers.Local;

namespace Montage.Providers.Tests.Local;

/// <summary>Checks on rendered media, made with ffprobe and FFmpeg itself.</summary>
internal static class MediaAssert
{
    public static async Task<MediaInfo> VideoAsync(LocalEngine engine, string path, int width, int height, double seconds, int fps, bool audio)
    {
        Assert.True(File.Exists(path), "no output file");
        var info = await engine.Probe.ProbeAsync(path, CancellationToken.None);
        var video = Assert.IsType<VideoStreamInfo>(info.Video);
        Assert.Equal("h264", video.Codec);
        Assert.Equal("yuv420p", video.PixelFormat);
        Assert.Equal((width, height), (video.Width, video.Height));
        Assert.Equal(fps, video.FramesPerSecond, 3);
        Assert.True(video.SampleAspectRatio is null or "1:1" or "0:1", $"SAR {video.SampleAspectRatio}");
        var frame = 1.0 / fps;
        Assert.InRange(video.DurationSeconds ?? info.DurationSeconds, seconds - frame - 1e-6, seconds + frame + 1e-6);
        if (audio)
        {
            var track = Assert.IsType<AudioStreamInfo>(info.Audio);
            Assert.Equal("aac", track.Codec);
            Assert.Equal(48000, track.SampleRate);
            Assert.Equal(2, track.Channels);
        }
        else
        {
            Assert.Null(info.Audio);
        }

        return info;
    }

    /// <summary>The RGB colour of one pixel of a frame (first frame, or the frame at <paramref name="atSeconds"/>).</summary>
    public static async Task<(int R, int G, int B)> PixelAsync(LocalEngine engine, string path, int x, int y, double? atSeconds = null)
    {
        var raw = Path.Combine(Path.GetDirectoryName(path)!, Guid.NewGuid().ToString("N") + ".rgb");
        List<string> arguments = atSeconds is { } t ? ["-ss", t.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
        arguments.AddRange(["-i", path, "-vf", $"crop=1:1:{x}:{y},format=rgb24", "-frames:v", "1", "-f", "rawvideo", raw]);
        await engine.Runner.RunAsync(arguments, null, CancellationToken.None);
        var bytes = await File.ReadAllBytesAsync(raw);
        Assert.Equal(3, bytes.Length);
        return (bytes[0], bytes[1], bytes[2]);
    }

    /// <summary>Mean absolute difference (0..255) between two frames, compared at 32x18 greyscale.</summary>
    public static async Task<double> FrameDifferenceAsync(LocalEngine engine, string path, double firstSeconds, double secondSeconds)
    {
        var first = await ThumbnailAsync(engine, path, firstSeconds);
        var second = await ThumbnailAsync(engine, path, secondSeconds);
        Assert.Equal(first.Length, second.Length);
        return first.Zip(second, (a, b) => Math.Abs(a - b)).Average();
    }

    /// <summary>Mean grey level (0..255) of the frame at <paramref name="atSeconds"/>.</summary>
    public static async Task<double> MeanBrightnessAsync(LocalEngine engine, string path, double atSeconds) =>
        (await ThumbnailAsync(engine, path, atSeconds)).Average(b => (double)b);

    private static async Task<byte[]> ThumbnailAsync(LocalEngine engine, string path, double atSeconds)
    {
        var raw = Path.Combine(Path.GetDirectoryName(path)!, Guid.NewGuid().ToString("N") + ".gray");
        await engine.Runner.RunAsync(
            ["-ss", atSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", path, "-vf", "scale=32:18,format=gray", "-frames:v", "1", "-f", "rawvideo", raw],
            null,
            CancellationToken.None);
        var bytes = await File.ReadAllBytesAsync(raw);
        Assert.Equal(32 * 18, bytes.Length);
        return bytes;
    }

    /// <summary>Size and MD5 of every video packet, in order: equal lists mean the video was copied, not re-encoded.</summary>
    public static async Task<IReadOnlyList<string>> VideoPacketsAsync(LocalEngine engine, string path)
    {
        var list = Path.Combine(Path.GetDirectoryName(path)!, Guid.NewGuid().ToString("N") + ".framemd5");
        await engine.Runner.RunAsync(["-i", path, "-map", "0:v:0", "-c", "copy", "-f", "framemd5", list], null, CancellationToken.None);
        return (await File.ReadAllLinesAsync(list))
            .Where(line => !line.StartsWith('#'))
            .Select(line => line.Split(',', StringSplitOptions.TrimEntries))
            .Select(fields => fields[4] + " " + fields[5])
            .ToList();
    }

    /// <summary>The loudest sample (dBFS) of the audio between two times; -inf for digital silence.</summary>
    public static async Task<double> MaxVolumeAsync(LocalEngine engine, string path, double fromSeconds, double toSeconds)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var log = await engine.Runner.RunForLogAsync(
            ["-i", path, "-map", "0:a:0", "-af", $"atrim={fromSeconds.ToString(invariant)}:{toSeconds.ToString(invariant)},volumedetect", "-f", "null", "-"],
            CancellationToken.None);
        var line = log.Split('\n').Last(l => l.Contains("max_volume:", StringComparison.Ordinal));
        var value = line[(line.IndexOf("max_volume:", StringComparison.Ordinal) + "max_volume:".Length)..].Replace("dB", "", StringComparison.Ordinal).Trim();
        return value == "-inf" ? double.NegativeInfinity : double.Parse(value, invariant);
    }

    /// <summary>Mean absolute difference (0..255) of the bottom third of the frame at one time in two files, compared at full width in grey.</summary>
    public static async Task<double> BottomThirdDifferenceAsync(LocalEngine engine, string first, string second, double atSeconds)
    {
        var a = await BottomThirdAsync(engine, first, atSeconds);
        var b = await BottomThirdAsync(engine, second, atSeconds);
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => Math.Abs(x - y)).Average();
    }

    private static async Task<byte[]> BottomThirdAsync(LocalEngine engine, string path, double atSeconds)
    {
        var raw = Path.Combine(Path.GetDirectoryName(path)!, Guid.NewGuid().ToString("N") + ".gray");
        await engine.Runner.RunAsync(
            ["-ss", atSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", path, "-vf", "crop=iw:ih/3:0:ih*2/3,format=gray", "-frames:v", "1", "-f", "rawvideo", raw],
            null,
            CancellationToken.None);
        return await File.ReadAllBytesAsync(raw);
    }

    public static void Near((int R, int G, int B) actual, (int R, int G, int B) expected, int tolerance = 24)
    {
        Assert.True(
            Math.Abs(actual.R - expected.R) <= tolerance && Math.Abs(actual.G - expected.G) <= tolerance && Math.Abs(actual.B - expected.B) <= tolerance,
            $"colour {actual} is not near {expected}");
    }

    /// <summary>The order of the top-level MP4 boxes, to check that moov comes before mdat (faststart).</summary>
    public static IReadOnlyList<string> TopLevelBoxes(string path)
    {
        var boxes = new List<string>();
        using var stream = File.OpenRead(path);
        Span<byte> header = stackalloc byte[16];
        while (stream.Position + 8 <= stream.Length)
        {
            stream.ReadExactly(header[..8]);
            long size = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = System.Text.Encoding.ASCII.GetString(header[4..8]);
            var headerLength = 8;
            if (size == 1)
            {
                stream.ReadExactly(header[8..16]);
                size = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(header[8..16]);
                headerLength = 16;
            }
            else if (size == 0)
            {
                size = stream.Length - stream.Position + 8;
            }

            boxes.Add(type);
            stream.Seek(size - headerLength, SeekOrigin.Current);
        }

        return boxes;
    }
}
