namespace Montage.Providers.Local;

/// <summary>Reads big-endian bit fields and Exp-Golomb codes, as H.264 parameter sets and AAC configurations are written.</summary>
internal sealed class BitReader(byte[] data)
{
    private int _position;

    public uint Bits(int count)
    {
        uint value = 0;
        for (var i = 0; i < count; i++)
        {
            if (_position >= data.Length * 8)
            {
                throw new InvalidDataException("Read past the end of the bit field.");
            }

            value = (value << 1) | (uint)((data[_position >> 3] >> (7 - (_position & 7))) & 1);
            _position++;
        }

        return value;
    }

    public bool Flag() => Bits(1) == 1;

    public uint UnsignedGolomb()
    {
        var zeros = 0;
        while (Bits(1) == 0)
        {
            if (++zeros > 31)
            {
                throw new InvalidDataException("An Exp-Golomb code is too long.");
            }
        }

        return (uint)((1L << zeros) - 1 + Bits(zeros));
    }

    public int SignedGolomb()
    {
        var code = UnsignedGolomb();
        return (code & 1) == 1 ? (int)((code + 1) / 2) : -(int)(code / 2);
    }

    public int Remaining => (data.Length * 8) - _position;
}
