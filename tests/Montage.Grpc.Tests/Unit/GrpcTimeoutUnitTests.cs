using Montage.Grpc.Protocol;

namespace Montage.Grpc.Tests.Unit;

public sealed class GrpcTimeoutUnitTests
{
    public static TheoryData<string, TimeSpan> ValidValues() => new()
    {
        { "1H", TimeSpan.FromHours(1) },
        { "2M", TimeSpan.FromMinutes(2) },
        { "30S", TimeSpan.FromSeconds(30) },
        { "250m", TimeSpan.FromMilliseconds(250) },
        { "1500u", TimeSpan.FromMicroseconds(1500) },
        { "100n", TimeSpan.FromTicks(1) },
        { "99n", TimeSpan.Zero },
        { "0S", TimeSpan.Zero },
        { "99999999S", TimeSpan.FromSeconds(99_999_999) },
        { "00000010m", TimeSpan.FromMilliseconds(10) },
        { "99999999H", TimeSpan.FromHours(99_999_999) },
    };

    [Theory]
    [MemberData(nameof(ValidValues))]
    public void Parses_every_unit(string value, TimeSpan expected)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(expected, timeout);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("10h")]
    [InlineData("10x")]
    [InlineData("-1S")]
    [InlineData("+1S")]
    [InlineData("1.5S")]
    [InlineData(" 1S")]
    [InlineData("1 S")]
    [InlineData("123456789S")]
    [InlineData("１S")]
    public void Refuses_malformed_values(string? value)
    {
        Assert.False(GrpcTimeout.TryParse(value, out _));
    }

    public static TheoryData<TimeSpan, string> FormatTable() => new()
    {
        { TimeSpan.FromTicks(1), "100n" },
        { TimeSpan.FromMilliseconds(10), "10000000n" },
        { TimeSpan.FromMilliseconds(250), "250000u" },
        { TimeSpan.FromSeconds(30), "30000000u" },
        { TimeSpan.FromSeconds(100), "100000m" },
        { TimeSpan.FromHours(1), "3600000m" },
        { TimeSpan.FromDays(2), "172800S" },
        { TimeSpan.FromDays(3000), "4320000M" },
        { TimeSpan.Zero, "1n" },
        { TimeSpan.FromSeconds(-5), "1n" },
        { TimeSpan.MaxValue, "99999999H" },
    };

    [Theory]
    [MemberData(nameof(FormatTable))]
    public void Formats_with_the_finest_unit_that_fits_eight_digits(TimeSpan timeout, string expected)
    {
        Assert.Equal(expected, GrpcTimeout.Format(timeout));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(12_345L)]
    [InlineData(TimeSpan.TicksPerSecond * 3 + 7)]
    [InlineData(TimeSpan.TicksPerDay * 400 + 1)]
    public void Format_rounds_up_so_the_deadline_is_never_earlier(long ticks)
    {
        var timeout = TimeSpan.FromTicks(ticks);

        var formatted = GrpcTimeout.Format(timeout);

        Assert.True(formatted.Length <= 9);
        Assert.True(GrpcTimeout.TryParse(formatted, out var parsed));
        Assert.True(parsed >= timeout, $"{formatted} parsed to {parsed}, shorter than {timeout}");
    }
}
