using Montage.Grpc.Protocol;

namespace Montage.Grpc.Tests.Unit;

public sealed class MetadataEncodingUnitTests
{
    [Theory]
    [InlineData("AAEC/w==")]
    [InlineData("AAEC/w")]
    public void Binary_values_decode_padded_or_unpadded(string value)
    {
        var metadata = new Metadata();

        MetadataEncoding.AddHeader(metadata, "x-data-bin", [value]);

        Assert.Equal(new byte[] { 0, 1, 2, 255 }, metadata.GetValueBytes("x-data-bin"));
    }

    [Fact]
    public void Binary_values_encode_as_base64_and_round_trip()
    {
        var bytes = new byte[] { 0, 10, 13, 200, 255, 42 };
        var entry = new Metadata.Entry("trace-bin", bytes);

        var header = MetadataEncoding.EncodeValue(entry);

        Assert.Equal(Convert.ToBase64String(bytes), header);
        Assert.Equal(bytes, MetadataEncoding.DecodeBase64(header));
    }

    [Fact]
    public void Comma_joined_binary_values_become_separate_entries()
    {
        var metadata = new Metadata();

        MetadataEncoding.AddHeader(metadata, "x-bin", ["AQ==,Ag", "Aw=="]);

        Assert.Equal([[1], [2], [3]], metadata.GetAll("x-bin").Select(e => e.ValueBytes));
    }

    [Fact]
    public void Text_values_are_kept_and_keys_lower_cased()
    {
        var metadata = new Metadata();

        MetadataEncoding.AddHeader(metadata, "X-Request-Id", ["abc 123"]);

        var entry = Assert.Single(metadata);
        Assert.Equal("x-request-id", entry.Key);
        Assert.Equal("abc 123", entry.Value);
        Assert.False(entry.IsBinary);
    }

    [Theory]
    [InlineData("content-type")]
    [InlineData("te")]
    [InlineData("grpc-timeout")]
    [InlineData("grpc-encoding")]
    [InlineData("grpc-status")]
    [InlineData(":path")]
    public void Protocol_headers_are_not_metadata(string name)
    {
        var metadata = new Metadata();

        MetadataEncoding.AddHeader(metadata, name, ["value"]);

        Assert.Empty(metadata);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("colon:key")]
    [InlineData("ünicode")]
    [InlineData("")]
    public void Invalid_keys_are_refused(string key)
    {
        Assert.ThrowsAny<ArgumentException>(() => new Metadata.Entry(key, "v"));
    }

    [Theory]
    [InlineData("line\nbreak")]
    [InlineData("caf\u00e9")]
    [InlineData("nul\0")]
    public void Non_printable_text_values_are_refused(string value)
    {
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("x-key", value));
    }

    [Fact]
    public void Binary_key_and_text_value_do_not_mix()
    {
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("x-bin", "text"));
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("x-text", [1, 2]));
    }

    [Fact]
    public void Malformed_base64_is_refused()
    {
        Assert.Throws<FormatException>(() => MetadataEncoding.AddHeader(new Metadata(), "x-bin", ["!!not base64!!"]));
    }

    [Fact]
    public void Get_returns_the_last_value_of_a_key()
    {
        var metadata = new Metadata { { "k", "first" }, { "K", "second" } };

        Assert.Equal("second", metadata.GetValue("k"));
        Assert.Equal(2, metadata.GetAll("k").Count());
    }
}
