using System.Text;
using Montage.Contracts.Assets.V1;

namespace Montage.AssetStorage.Media;

/// <summary>What the first bytes of a file say it is: a content type and a kind, from magic numbers only.</summary>
internal readonly record struct SniffedType(string ContentType, AssetKind Kind)
{
    public static readonly SniffedType Unknown = new("application/octet-stream", AssetKind.Other);

    public bool IsMedia => Kind is AssetKind.Image or AssetKind.Video or AssetKind.Audio;
}

/// <summary>
/// Recognises the media formats Montage deals in by their magic bytes. The client's declared type is never trusted:
/// it is only checked against this answer, and media types are then confirmed by ffprobe.
/// </summary>
internal static class ContentSniffer
{
    public static SniffedType Sniff(ReadOnlySpan<byte> header)
    {
        if (header.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return new("image/png", AssetKind.Image);
        }

        if (header.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return new("image/jpeg", AssetKind.Image);
        }

        if (header.StartsWith("GIF87a"u8) || header.StartsWith("GIF89a"u8))
        {
            return new("image/gif", AssetKind.Image);
        }

        if (header.Length >= 12 && header.StartsWith("RIFF"u8))
        {
            var form = header.Slice(8, 4);
            if (form.SequenceEqual("WEBP"u8))
            {
                return new("image/webp", AssetKind.Image);
            }

            if (form.SequenceEqual("WAVE"u8))
            {
                return new("audio/wav", AssetKind.Audio);
            }
        }

        if (header.Length >= 12 && header.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            return FromBrand(Encoding.ASCII.GetString(header.Slice(8, 4)));
        }

        if (header.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]))
        {
            // EBML: WebM declares its doctype early; anything else is Matroska.
            return header.IndexOf("webm"u8) >= 0 ? new("video/webm", AssetKind.Video) : new("video/x-matroska", AssetKind.Video);
        }

        if (header.StartsWith("OggS"u8))
        {
            return new("audio/ogg", AssetKind.Audio);
        }

        if (header.StartsWith("fLaC"u8))
        {
            return new("audio/flac", AssetKind.Audio);
        }

        if (header.StartsWith("ID3"u8))
        {
            return new("audio/mpeg", AssetKind.Audio);
        }

        if (header.Length >= 2 && header[0] == 0xFF)
        {
            // Frame sync: ADTS AAC has layer bits 00, MPEG audio layer III has 01.
            var second = header[1];
            if ((second & 0xF6) == 0xF0)
            {
                return new("audio/aac", AssetKind.Audio);
            }

            if ((second & 0xE0) == 0xE0 && (second & 0x06) != 0)
            {
                return new("audio/mpeg", AssetKind.Audio);
            }
        }

        return SniffedType.Unknown;
    }

    private static SniffedType FromBrand(string brand) => brand switch
    {
        "M4A " or "M4B " or "M4P " => new("audio/mp4", AssetKind.Audio),
        "qt  " => new("video/quicktime", AssetKind.Video),
        "avif" or "avis" => new("image/avif", AssetKind.Image),
        "heic" or "heix" or "mif1" or "msf1" => new("image/heic", AssetKind.Image),
        _ => new("video/mp4", AssetKind.Video),
    };

    /// <summary>The kind a declared content type claims ("image/png" claims an image); Other for anything non-media.</summary>
    public static AssetKind KindClaimedBy(string? contentType)
    {
        var type = contentType?.Split(';', 2)[0].Trim().ToLowerInvariant() ?? "";
        return type switch
        {
            _ when type.StartsWith("image/", StringComparison.Ordinal) => AssetKind.Image,
            _ when type.StartsWith("video/", StringComparison.Ordinal) => AssetKind.Video,
            _ when type.StartsWith("audio/", StringComparison.Ordinal) => AssetKind.Audio,
            _ => AssetKind.Other,
        };
    }

    /// <summary>File extension for a content type, for names handed to providers.</summary>
    public static string ExtensionOf(string contentType) => contentType switch
    {
        "image/png" => ".png",
        "image/jpeg" => ".jpg",
        "image/gif" => ".gif",
        "image/webp" => ".webp",
        "image/avif" => ".avif",
        "image/heic" => ".heic",
        "video/mp4" => ".mp4",
        "video/quicktime" => ".mov",
        "video/webm" => ".webm",
        "video/x-matroska" => ".mkv",
        "audio/mp4" => ".m4a",
        "audio/mpeg" => ".mp3",
        "audio/wav" => ".wav",
        "audio/ogg" => ".ogg",
        "audio/flac" => ".flac",
        "audio/aac" => ".aac",
        "audio/webm" => ".webm",
        _ => ".bin",
    };
}
