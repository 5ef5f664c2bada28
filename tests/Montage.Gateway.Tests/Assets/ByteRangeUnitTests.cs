using Montage.Gateway.Assets;

namespace Montage.Gateway.Tests.Assets;

public sealed class ByteRangeUnitTests
{
    [Theory]
    [InlineData("bytes=0-99", 0, 100)]
    [InlineData("bytes=10-", 10, 990)]
    [InlineData("bytes=999-999", 999, 1)]
    [InlineData("bytes=900-5000", 900, 100)]
    [InlineData("bytes=-1", 999, 1)]
    [InlineData("bytes=-1000", 0, 1000)]
    [InlineData("bytes=-4000", 0, 1000)]
    [InlineData("BYTES=1-2", 1, 2)]
    public void A_satisfiable_single_range_is_partial(string header, long offset, long length)
    {
        var range = ByteRange.Evaluate(header, 1000);
        Assert.Equal(new ByteRange(ByteRangeOutcome.Partial, offset, length), range);
        Assert.Equal($"bytes {offset}-{offset + length - 1}/1000", range.ContentRange(1000));
    }

    [Theory]
    [InlineData("bytes=1000-")]
    [InlineData("bytes=1000-1001")]
    [InlineData("bytes=-0")]
    public void A_range_outside_the_content_is_unsatisfiable(string header) =>
        Assert.Equal(ByteRangeOutcome.Unsatisfiable, ByteRange.Evaluate(header, 1000).Outcome);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bytes=0-1,3-4")]
    [InlineData("pages=1-2")]
    [InlineData("bytes=abc")]
    [InlineData("bytes=5-1")]
    [InlineData("bytes")]
    public void A_missing_foreign_multiple_or_malformed_range_means_the_whole_content(string? header) =>
        Assert.Equal(ByteRangeOutcome.Whole, ByteRange.Evaluate(header, 1000).Outcome);
}
