namespace Montage.Providers.Local;

/// <summary>What an H.264 sequence parameter set says about the pictures: the fields that decide whether clips can be joined by copy.</summary>
internal sealed record H264Sps(int Width, int Height, int ChromaFormat, int BitDepth, bool Progressive, bool FullRange, bool? SquarePixels)
{
    private static readonly HashSet<uint> HighProfiles = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];

    /// <summary>The first SPS of an avcC (AVCDecoderConfigurationRecord); null when there is none.</summary>
    public static H264Sps? FromAvcC(byte[] avcC)
    {
        if (avcC.Length < 8 || avcC[0] != 1 || (avcC[5] & 0x1F) == 0)
        {
            return null;
        }

        var length = (avcC[6] << 8) | avcC[7];
        return 8 + length > avcC.Length || length < 4 ? null : Parse(Unescape(avcC.AsSpan(8, length)));
    }

    private static H264Sps Parse(byte[] nal)
    {
        var bits = new BitReader(nal);
        bits.Bits(8); // NAL header
        var profile = bits.Bits(8);
        bits.Bits(16); // constraint flags, level
        bits.UnsignedGolomb(); // seq_parameter_set_id
        var (chroma, depth) = (1, 8);
        if (HighProfiles.Contains(profile))
        {
            chroma = (int)bits.UnsignedGolomb();
            if (chroma == 3)
            {
                bits.Flag(); // separate_colour_plane_flag
            }

            depth = 8 + (int)bits.UnsignedGolomb();
            var chromaDepth = 8 + (int)bits.UnsignedGolomb();
            depth = Math.Max(depth, chromaDepth);
            bits.Flag(); // qpprime_y_zero_transform_bypass_flag
            if (bits.Flag())
            {
                for (var i = 0; i < (chroma == 3 ? 12 : 8); i++)
                {
                    if (bits.Flag())
                    {
                        SkipScalingList(bits, i < 6 ? 16 : 64);
                    }
                }
            }
        }

        bits.UnsignedGolomb(); // log2_max_frame_num_minus4
        switch (bits.UnsignedGolomb())
        {
            case 0:
                bits.UnsignedGolomb();
                break;
            case 1:
                bits.Flag();
                bits.SignedGolomb();
                bits.SignedGolomb();
                var cycle = bits.UnsignedGolomb();
                for (var i = 0; i < cycle; i++)
                {
                    bits.SignedGolomb();
                }

                break;
        }

        bits.UnsignedGolomb(); // max_num_ref_frames
        bits.Flag(); // gaps_in_frame_num_value_allowed_flag
        var widthInMbs = (int)bits.UnsignedGolomb() + 1;
        var heightInMapUnits = (int)bits.UnsignedGolomb() + 1;
        var frameMbsOnly = bits.Flag();
        if (!frameMbsOnly)
        {
            bits.Flag(); // mb_adaptive_frame_field_flag
        }

        bits.Flag(); // direct_8x8_inference_flag
        var (cropLeft, cropRight, cropTop, cropBottom) = (0, 0, 0, 0);
        if (bits.Flag())
        {
            (cropLeft, cropRight, cropTop, cropBottom) = ((int)bits.UnsignedGolomb(), (int)bits.UnsignedGolomb(), (int)bits.UnsignedGolomb(), (int)bits.UnsignedGolomb());
        }

        bool? square = null;
        var fullRange = false;
        if (bits.Flag())
        {
            // VUI: the pixel aspect ratio, then (after overscan) the video signal's range.
            square = true;
            if (bits.Flag())
            {
                var ratio = bits.Bits(8);
                if (ratio == 255)
                {
                    var (w, h) = (bits.Bits(16), bits.Bits(16));
                    square = w == h || w == 0 || h == 0;
                }
                else
                {
                    square = ratio is 0 or 1;
                }
            }

            if (bits.Flag())
            {
                bits.Flag(); // overscan_appropriate_flag
            }

            if (bits.Flag())
            {
                bits.Bits(3); // video_format
                fullRange = bits.Flag();
            }
        }

        var (subWidth, subHeight) = chroma switch { 1 => (2, 2), 2 => (2, 1), _ => (1, 1) };
        var cropUnitY = subHeight * (frameMbsOnly ? 1 : 2);
        var width = (widthInMbs * 16) - (subWidth * (cropLeft + cropRight));
        var height = ((frameMbsOnly ? 1 : 2) * heightInMapUnits * 16) - (cropUnitY * (cropTop + cropBottom));
        // Without a VUI the pixels are unspecified, which FFmpeg treats as square.
        return new H264Sps(width, height, chroma, depth, frameMbsOnly, fullRange, square ?? true);
    }

    private static void SkipScalingList(BitReader bits, int size)
    {
        var (last, next) = (8, 8);
        for (var j = 0; j < size; j++)
        {
            if (next != 0)
            {
                next = (last + bits.SignedGolomb() + 256) % 256;
            }

            last = next == 0 ? last : next;
        }
    }

    /// <summary>Removes the emulation-prevention bytes (00 00 03 becomes 00 00).</summary>
    private static byte[] Unescape(ReadOnlySpan<byte> nal)
    {
        var output = new List<byte>(nal.Length);
        var zeros = 0;
        foreach (var b in nal)
        {
            if (zeros >= 2 && b == 3)
            {
                zeros = 0;
                continue;
            }

            output.Add(b);
            zeros = b == 0 ? zeros + 1 : 0;
        }

        return [.. output];
    }
}
