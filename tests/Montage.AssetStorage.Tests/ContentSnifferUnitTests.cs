using Montage.AssetStorage.Media;
using Montage.Contracts.Assets.V1;

namespace Montage.AssetStorage.Tests;

public sealed class ContentSnifferUnitTests
{
    public static TheoryData<byte[], string, AssetKind> Samples => new()
    {
        { [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], "image/png", AssetKind.Image },
        { [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], "image/jpeg", AssetKind.Image },
        { "GIF89a...."u8.ToArray(), "image/gif", AssetKind.Image },
        { "RIFF\0\0\0\0WEBPVP8 "u8.ToArray(), "image/webp", AssetKind.Image },
        { "RIFF\0\0\0\0WAVEfmt "u8.ToArray(), "audio/wav", AssetKind.Audio },
        { [0, 0, 0, 0x20, .. "ftypisom"u8, 0, 0, 0, 0], "video/mp4", AssetKind.Video },
        { [0, 0, 0, 0x14, .. "ftypqt  "u8, 0, 0, 0, 0], "video/quicktime", AssetKind.Video },
        { [0, 0, 0, 0x20, .. "ftypM4A "u8, 0, 0, 0, 0], "audio/mp4", AssetKind.Audio },
        { [0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x82, 0x84, (byte)'w', (byte)'e', (byte)'b', (byte)'m'], "video/webm", AssetKind.Video },
        { [0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x82, 0x88, (byte)'m', (byte)'a', (byte)'t', (byte)'r'], "video/x-matroska", AssetKind.Video },
        { "OggS\0\x02"u8.ToArray(), "audio/ogg", AssetKind.Audio },
        { "fLaC\0\0"u8.ToArray(), "audio/flac", AssetKind.Audio },
        { "ID3\x04\0\0"u8.ToArray(), "audio/mpeg", AssetKind.Audio },
        { [0xFF, 0xFB, 0x90, 0x64], "audio/mpeg", AssetKind.Audio },
        { [0xFF, 0xF1, 0x50, 0x80], "audio/aac", AssetKind.Audio },
        { "<html><script>"u8.ToArray(), "application/octet-stream", AssetKind.Other },
        { [], "application/octet-stream", AssetKind.Other },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sniffs_by_magic_bytes(byte[] header, string contentType, AssetKind kind)
    {
        var sniffed = ContentSniffer.Sniff(header);
        Assert.Equal(contentType, sniffed.ContentType);
        Assert.Equal(kind, sniffed.Kind);
    }

    [Theory]
    [InlineData("image/png; charset=x", AssetKind.Image)]
    [InlineData("VIDEO/MP4", AssetKind.Video)]
    [InlineData("audio/mpeg", AssetKind.Audio)]
    [InlineData("text/html", AssetKind.Other)]
    [InlineData("", AssetKind.Other)]
    public void Declared_types_claim_kinds(string declared, AssetKind kind) =>
        Assert.Equal(kind, ContentSniffer.KindClaimedBy(declared));
}
