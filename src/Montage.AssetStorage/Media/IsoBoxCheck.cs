using System.Buffers.Binary;

namespace Montage.AssetStorage.Media;

/// <summary>
/// MP4/MOV/M4A files are a sequence of top-level boxes, each stating its size. A file cut short has a last box that
/// claims more bytes than remain. ffprobe does not notice when the index (moov) comes first, so this is checked here.
/// </summary>
internal static class IsoBoxCheck
{
    public static bool IsComplete(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0);
        var length = file.Length;
        Span<byte> header = stackalloc byte[16];
        long position = 0;
        while (position < length)
        {
            if (length - position < 8)
            {
                return false;
            }

            file.Position = position;
            file.ReadExactly(header[..8]);
            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (size == 1)
            {
                if (length - position < 16)
                {
                    return false;
                }

                file.ReadExactly(header.Slice(8, 8));
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(header[8..]);
            }
            else if (size == 0)
            {
                return true; // the last box extends to the end of the file
            }

            if (size < 8 || size > length - position)
            {
                return false;
            }

            position += size;
        }

        return true;
    }
}
