using Montage.Gateway.Media;

namespace Montage.Gateway.Tests.Media;

public sealed class DataUriUnitTests
{
    [Fact]
    public void A_base64_data_uri_yields_its_type_and_bytes()
    {
        var bytes = new byte[] { 1, 2, 3, 250, 251, 252, 253 };
        var uri = DataUri.Parse("data:Image/PNG;name=x.png;base64," + Convert.ToBase64String(bytes), 100);
        Assert.Equal("image/png", uri.MediaType);
        using var stream = uri.OpenRead();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public void Percent_encoded_base64_is_decoded()
    {
        var bytes = new byte[] { 0xfb, 0xff, 0xfe };
        var uri = DataUri.Parse("data:;base64," + Uri.EscapeDataString(Convert.ToBase64String(bytes)), 100);
        Assert.Equal("", uri.MediaType);
        Assert.Equal(3, uri.Length);
    }

    [Fact]
    public void The_limit_is_on_the_decoded_size()
    {
        var exact = Convert.ToBase64String(new byte[100]);
        Assert.Equal(100, DataUri.Parse("data:image/png;base64," + exact, 100).Length);
        var over = Assert.Throws<MediaReferenceException>(() => DataUri.Parse("data:image/png;base64," + Convert.ToBase64String(new byte[101]), 100));
        Assert.Equal(("data_uri_too_large", 413), (over.Code, over.Status));
    }

    [Theory]
    [InlineData("data:image/png,text")]
    [InlineData("data:image/png;base64,****")]
    [InlineData("data:image/png;base64,")]
    [InlineData("data:a/b/c;base64,AAAA")]
    [InlineData("data:image/png;base64")]
    public void Malformed_data_uris_are_invalid(string reference)
    {
        var problem = Assert.Throws<MediaReferenceException>(() => DataUri.Parse(reference, 100));
        Assert.Equal(("invalid_data_uri", 422), (problem.Code, problem.Status));
    }

    [Theory]
    [InlineData("image", ExpectedMedia.Image)]
    [InlineData("end_image", ExpectedMedia.Image)]
    [InlineData("images", ExpectedMedia.Image)]
    [InlineData("audio", ExpectedMedia.Audio)]
    [InlineData("clips", ExpectedMedia.Video)]
    [InlineData("prompt", ExpectedMedia.Any)]
    public void Catalog_media_fields_expect_their_kind(string field, ExpectedMedia expected) =>
        Assert.Equal(expected, MediaFields.ExpectedFor(field));
}
