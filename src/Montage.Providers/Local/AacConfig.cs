namespace Montage.Providers.Local;

/// <summary>An AAC-LC AudioSpecificConfig: the sample rate and channels a decoder will output.</summary>
internal sealed record AacConfig(int SampleRate, int Channels)
{
    private static readonly int[] Rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

    /// <summary>
    /// Reads plain AAC-LC with a channel configuration of 1 or 2; null for anything else (HE-AAC's SBR doubles the
    /// rate a decoder outputs, other layouts need a channel map), which is then left to ffprobe.
    /// </summary>
    public static AacConfig? Read(byte[] config)
    {
        var bits = new BitReader(config);
        var objectType = bits.Bits(5);
        var rateIndex = (int)bits.Bits(4);
        var channels = (int)bits.Bits(4);
        if (objectType != 2 || rateIndex >= Rates.Length || channels is not (1 or 2))
        {
            return null;
        }

        // GASpecificConfig: frame length, core coder, extension flags, all zero for plain LC.
        if (bits.Bits(3) != 0)
        {
            return null;
        }

        if (bits.Remaining >= 16)
        {
            // A backward-compatible extension (sync 0x2B7) may announce SBR; only an explicit "no SBR" stays plain LC.
            if (bits.Bits(11) != 0x2B7 || bits.Bits(5) != 5 || bits.Flag())
            {
                return null;
            }
        }

        return new AacConfig(Rates[rateIndex], channels);
    }

    /// <summary>The DecoderSpecificInfo (the AudioSpecificConfig) inside an esds box; null unless the stream is MPEG-4 audio.</summary>
    public static byte[]? FromEsds(byte[] esds)
    {
        var position = 4; // version and flags
        if (!Descriptor(esds, ref position, 0x03, out _))
        {
            return null;
        }

        var flags = esds[position + 2];
        position += 3 + ((flags & 0x80) != 0 ? 2 : 0) + ((flags & 0x20) != 0 ? 2 : 0);
        if ((flags & 0x40) != 0)
        {
            position += 1 + esds[position];
        }

        if (!Descriptor(esds, ref position, 0x04, out _) || esds[position] != 0x40)
        {
            return null;
        }

        position += 13;
        return Descriptor(esds, ref position, 0x05, out var length) ? esds.AsSpan(position, length).ToArray() : null;
    }

    /// <summary>Reads a descriptor's tag and size (1 to 4 bytes of 7 bits), leaving <paramref name="position"/> at its payload.</summary>
    private static bool Descriptor(byte[] data, ref int position, int tag, out int length)
    {
        length = 0;
        if (data[position++] != tag)
        {
            return false;
        }

        for (var i = 0; i < 4; i++)
        {
            var b = data[position++];
            length = (length << 7) | (b & 0x7F);
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return true;
    }
}
