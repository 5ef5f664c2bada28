using Montage.Gateway.Assets;

namespace Montage.Gateway.Tests.Assets;

public sealed class AssetInputsUnitTests
{
    [Theory]
    [InlineData("ast_0123456789abcdef0123456789abcdef", true)]
    [InlineData("ast_0123456789abcdef0123456789abcde", false)]
    [InlineData("ast_0123456789abcdef0123456789abcdeF", false)]
    [InlineData("ast_0123456789abcdef0123456789abcdeg", false)]
    [InlineData("job_0123456789abcdef0123456789abcdef", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Asset_ids_have_exactly_the_stores_shape(string? id, bool wellFormed) =>
        Assert.Equal(wellFormed, AssetIdFormat.IsWellFormed(id));

    [Theory]
    [InlineData("image/png", "image/png")]
    [InlineData("IMAGE/PNG; charset=binary", "image/png")]
    [InlineData("application/octet-stream", "")]
    [InlineData(null, "")]
    [InlineData("not a type", "")]
    public void The_declared_type_drops_parameters_and_says_nothing_when_generic(string? header, string expected) =>
        Assert.Equal(expected, AssetInputs.DeclaredContentType(header));

    [Fact]
    public void Names_and_tags_are_checked_together()
    {
        var errors = new Dictionary<string, string[]>();
        AssetInputs.CheckName("bad\nname", errors);
        AssetInputs.CheckTags([.. Enumerable.Range(0, 33).Select(i => "t" + i), new string('x', 65)], errors);
        Assert.Single(errors["name"]);
        Assert.Equal(2, errors["tags"].Length);
    }
}
