using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Montage.Providers.Local;

/// <summary>
/// Reads <see cref="ClipStreamFacts"/> straight from a plain MP4's index (moov), without starting ffprobe: most of an
/// ffprobe run's CPU goes into loading FFmpeg's libraries, and an episode probes every clip. Only the common case is
/// read: one H.264 track (progressive 8-bit 4:2:0, square pixels, constant frame rate) and at most one AAC-LC track,
/// each with at most one edit. Anything else returns null and is left to ffprobe, so an unusual clip is judged by
/// FFmpeg itself. The values are the ones ffprobe reports for such files (durations from the edit list, SHA-256 of
/// the codec's extradata), which the provider tests check file by file.
/// </summary>
internal static class Mp4StreamFacts
{
    private const int MaxIndexBytes = 64 << 20;

    public static ClipStreamFacts? TryRead(string path)
    {
        try
        {
            return Read(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static ClipStreamFacts? Read(string path)
    {
        var moov = ReadMovieBox(path);
        // Fragmented files, cover art (which ffprobe counts as a video stream) and the like are ffprobe's to read.
        if (moov is null || Contains(moov, "mvex") || Contains(moov, "covr"))
        {
            return null;
        }

        var movieTimescale = 0u;
        var movieDuration = 0ul;
        var tracks = new List<Track>();
        foreach (var (type, body) in Boxes(moov))
        {
            if (type == "mvhd")
            {
                (movieTimescale, movieDuration) = TimescaleAndDuration(body);
            }
            else if (type == "trak")
            {
                if (ReadTrack(body) is not { } track)
                {
                    return null;
                }

                tracks.Add(track);
            }
        }

        var videos = tracks.Where(t => t.Handler == "vide").ToList();
        var audios = tracks.Where(t => t.Handler == "soun").ToList();
        if (movieTimescale == 0 || videos.Count != 1 || audios.Count > 1 || videos.Count + audios.Count != tracks.Count)
        {
            return null;
        }

        var video = VideoFacts(videos[0], movieTimescale);
        ClipAudioFacts? audio = null;
        if (audios.Count == 1 && (audio = AudioFacts(audios[0], movieTimescale)) is null)
        {
            return null;
        }

        return video is null ? null : new ClipStreamFacts(path, 1, audios.Count, video, audio, movieDuration / (double)movieTimescale);
    }

    private static ClipVideoFacts? VideoFacts(Track track, uint movieTimescale)
    {
        if (track.SampleEntry is not ("avc1" or "avc3") || track.DecoderConfig is not { } avcC || track.FrameDelta is not { } delta
            || track.PixelAspect is { } pasp && pasp.H != pasp.V || track.FullRangeColour
            || track.EditDuration is null && track.FirstCompositionOffset != 0)
        {
            // Reordered frames without an edit: where such a stream starts is for FFmpeg to say, so ffprobe reads it.
            return null;
        }

        var sps = H264Sps.FromAvcC(avcC);
        if (sps is not { ChromaFormat: 1, BitDepth: 8, Progressive: true, FullRange: false } || sps.SquarePixels != true)
        {
            return null;
        }

        var rate = Fraction(track.Timescale, delta);
        return new ClipVideoFacts(
            "h264", sps.Width, sps.Height, "yuv420p", "1:1", rate, rate,
            (track.FirstCompositionOffset - track.EditMediaTime) / (double)track.Timescale,
            Duration(track, movieTimescale), "SHA256:" + Convert.ToHexStringLower(SHA256.HashData(avcC)));
    }

    private static ClipAudioFacts? AudioFacts(Track track, uint movieTimescale)
    {
        if (track.SampleEntry != "mp4a" || track.DecoderConfig is not { } config || AacConfig.Read(config) is not { } aac || track.EditDuration is null)
        {
            // Without an edit the encoder priming is unmarked and FFmpeg may guess it, so ffprobe reads it.
            return null;
        }

        // The edit skips the encoder priming; the first sample heard is at zero.
        return new ClipAudioFacts("aac", aac.SampleRate, aac.Channels, 0, Duration(track, movieTimescale), "SHA256:" + Convert.ToHexStringLower(SHA256.HashData(config)));
    }

    /// <summary>As FFmpeg reads it: the edit's length when there is one, else the media's.</summary>
    private static double Duration(Track track, uint movieTimescale) =>
        track.EditDuration is { } edit ? edit / (double)movieTimescale : track.MediaDuration / (double)track.Timescale;

    private static string Fraction(uint numerator, uint denominator)
    {
        var (a, b) = (numerator, denominator);
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return FormattableString.Invariant($"{numerator / a}/{denominator / a}");
    }

    private static byte[]? ReadMovieBox(string path)
    {
        using var file = File.OpenRead(path);
        var header = new byte[16];
        long position = 0;
        while (position + 8 <= file.Length)
        {
            file.Position = position;
            file.ReadExactly(header, 0, 8);
            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = Encoding.ASCII.GetString(header, 4, 4);
            var headerSize = 8;
            if (size == 1)
            {
                file.ReadExactly(header, 8, 8);
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
                headerSize = 16;
            }
            else if (size == 0)
            {
                size = file.Length - position;
            }

            if (size < headerSize || position + size > file.Length)
            {
                return null;
            }

            if (type == "moov")
            {
                if (size - headerSize > MaxIndexBytes)
                {
                    return null;
                }

                var body = new byte[size - headerSize];
                file.Position = position + headerSize;
                file.ReadExactly(body);
                return body;
            }

            position += size;
        }

        return null;
    }

    private static Track? ReadTrack(byte[] trak)
    {
        var track = new Track();
        foreach (var (type, body) in Boxes(trak))
        {
            if (type == "edts" && !ReadEdits(track, body))
            {
                return null;
            }

            if (type == "mdia" && !ReadMedia(track, body))
            {
                return null;
            }
        }

        return track.Handler is null ? null : track;
    }

    private static bool ReadEdits(Track track, byte[] edts)
    {
        foreach (var (type, body) in Boxes(edts))
        {
            if (type != "elst")
            {
                continue;
            }

            var version = body[0];
            var count = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(4));
            if (count != 1)
            {
                // Empty edits (a delayed start) and multi-part edits are ffprobe's to interpret.
                return false;
            }

            var entry = body.AsSpan(8);
            (ulong duration, long mediaTime, int rateOffset) = version == 1
                ? (BinaryPrimitives.ReadUInt64BigEndian(entry), BinaryPrimitives.ReadInt64BigEndian(entry[8..]), 16)
                : (BinaryPrimitives.ReadUInt32BigEndian(entry), BinaryPrimitives.ReadInt32BigEndian(entry[4..]), 8);
            if (mediaTime < 0 || BinaryPrimitives.ReadInt16BigEndian(entry[rateOffset..]) != 1)
            {
                return false;
            }

            (track.EditDuration, track.EditMediaTime) = (duration, mediaTime);
        }

        return true;
    }

    private static bool ReadMedia(Track track, byte[] mdia)
    {
        foreach (var (type, body) in Boxes(mdia))
        {
            switch (type)
            {
                case "mdhd":
                    (track.Timescale, track.MediaDuration) = TimescaleAndDuration(body);
                    break;
                case "hdlr":
                    track.Handler = Encoding.ASCII.GetString(body, 8, 4);
                    break;
                case "minf":
                    foreach (var (inner, stbl) in Boxes(body))
                    {
                        if (inner == "stbl" && !ReadSampleTable(track, stbl))
                        {
                            return false;
                        }
                    }

                    break;
            }
        }

        return track.Timescale > 0;
    }

    private static bool ReadSampleTable(Track track, byte[] stbl)
    {
        foreach (var (type, body) in Boxes(stbl))
        {
            switch (type)
            {
                case "stsd":
                    if (BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(4)) != 1)
                    {
                        return false;
                    }

                    ReadSampleEntry(track, body.AsSpan(8).ToArray());
                    break;
                case "stts":
                    track.FrameDelta = ConstantDelta(body);
                    break;
                case "ctts":
                    track.FirstCompositionOffset = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(4)) == 0 ? 0 : BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(12));
                    break;
            }
        }

        return true;
    }

    private static void ReadSampleEntry(Track track, byte[] entries)
    {
        var (type, entry) = Boxes(entries).First();
        track.SampleEntry = type;
        // Child boxes follow the fixed fields: 78 bytes for a visual entry, 28 for a version-0 audio entry.
        var children = type switch
        {
            "avc1" or "avc3" => entry.AsSpan(78).ToArray(),
            "mp4a" when BinaryPrimitives.ReadUInt16BigEndian(entry.AsSpan(8)) == 0 => entry.AsSpan(28).ToArray(),
            _ => [],
        };
        foreach (var (child, body) in Boxes(children))
        {
            switch (child)
            {
                case "avcC":
                    track.DecoderConfig = body;
                    break;
                case "esds":
                    track.DecoderConfig = AacConfig.FromEsds(body);
                    break;
                case "pasp":
                    track.PixelAspect = (BinaryPrimitives.ReadUInt32BigEndian(body), BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(4)));
                    break;
                case "colr" when Encoding.ASCII.GetString(body, 0, 4) == "nclx":
                    track.FullRangeColour = (body[10] & 0x80) != 0;
                    break;
            }
        }
    }

    /// <summary>The one sample duration of a constant-rate track; null when the durations vary.</summary>
    private static uint? ConstantDelta(byte[] stts)
    {
        var count = BinaryPrimitives.ReadUInt32BigEndian(stts.AsSpan(4));
        uint? delta = null;
        for (var i = 0; i < count; i++)
        {
            var value = BinaryPrimitives.ReadUInt32BigEndian(stts.AsSpan(8 + (i * 8) + 4));
            if (delta is { } known && known != value || value == 0)
            {
                return null;
            }

            delta = value;
        }

        return delta;
    }

    private static (uint Timescale, ulong Duration) TimescaleAndDuration(byte[] fullBox) =>
        fullBox[0] == 1
            ? (BinaryPrimitives.ReadUInt32BigEndian(fullBox.AsSpan(20)), BinaryPrimitives.ReadUInt64BigEndian(fullBox.AsSpan(24)))
            : (BinaryPrimitives.ReadUInt32BigEndian(fullBox.AsSpan(12)), BinaryPrimitives.ReadUInt32BigEndian(fullBox.AsSpan(16)));

    private static IEnumerable<(string Type, byte[] Body)> Boxes(byte[] data)
    {
        var position = 0;
        while (position + 8 <= data.Length)
        {
            var size = (long)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(position));
            var type = Encoding.ASCII.GetString(data, position + 4, 4);
            var headerSize = 8;
            if (size == 1)
            {
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(position + 8));
                headerSize = 16;
            }
            else if (size == 0)
            {
                size = data.Length - position;
            }

            if (size < headerSize || position + size > data.Length)
            {
                throw new InvalidDataException("A box runs past its parent.");
            }

            yield return (type, data.AsSpan(position + headerSize, (int)size - headerSize).ToArray());
            position += (int)size;
        }
    }

    private static bool Contains(byte[] data, string fourcc) => data.AsSpan().IndexOf(Encoding.ASCII.GetBytes(fourcc)) >= 0;

    private sealed class Track
    {
        public string? Handler { get; set; }
        public uint Timescale { get; set; }
        public ulong MediaDuration { get; set; }
        public ulong? EditDuration { get; set; }
        public long EditMediaTime { get; set; }
        public string? SampleEntry { get; set; }
        public byte[]? DecoderConfig { get; set; }
        public (uint H, uint V)? PixelAspect { get; set; }
        public bool FullRangeColour { get; set; }
        public uint? FrameDelta { get; set; }
        public long FirstCompositionOffset { get; set; }
    }
}
