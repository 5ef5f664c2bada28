using Montage.Grpc.Protocol;

namespace Montage.Grpc.Tests.Unit;

public sealed class StatusMessageEncodingUnitTests
{
    [Theory]
    [InlineData("plain ascii stays as it is", "plain ascii stays as it is")]
    [InlineData("100%", "100%25")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("café", "caf%C3%A9")]
    [InlineData("☕", "%E2%98%95")]
    [InlineData("😀", "%F0%9F%98%80")]
    [InlineData("", "")]
    public void Encodes_non_printable_and_percent(string message, string encoded)
    {
        Assert.Equal(encoded, StatusMessageEncoding.Encode(message));
    }

    [Theory]
    [InlineData("simple")]
    [InlineData("100% done, 50%% left, %41 literal")]
    [InlineData("tab\tcr\rlf\n nul\0 del\u007f")]
    [InlineData("日本語のメッセージ, emoji 🎬, accents éàü")]
    [InlineData("%")]
    [InlineData("%%%")]
    public void Round_trips(string message)
    {
        var encoded = StatusMessageEncoding.Encode(message);

        Assert.All(encoded, c => Assert.InRange(c, ' ', '~'));
        Assert.Equal(message, StatusMessageEncoding.Decode(encoded));
    }

    [Theory]
    [InlineData("%", "%")]
    [InlineData("50%", "50%")]
    [InlineData("%4", "%4")]
    [InlineData("%zz ok", "%zz ok")]
    [InlineData("%41%4", "A%4")]
    [InlineData("%c3%a9", "é")]
    [InlineData(null, "")]
    public void Decoding_is_lenient_with_malformed_escapes(string? value, string expected)
    {
        Assert.Equal(expected, StatusMessageEncoding.Decode(value));
    }
}
