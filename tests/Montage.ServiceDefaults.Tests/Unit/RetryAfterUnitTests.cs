using System.Net;
using System.Net.Http.Headers;
using Montage.ServiceDefaults.Resilience;

namespace Montage.ServiceDefaults.Tests.Unit;

public sealed class RetryAfterUnitTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Delta_seconds_form()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), RetryAfter.Parse("120", Now));
    }

    [Fact]
    public void Http_date_form_is_relative_to_now()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), RetryAfter.Parse("Sun, 22 Nov 2026 04:01:30 GMT", Now));
    }

    [Fact]
    public void Date_in_the_past_means_no_wait()
    {
        Assert.Equal(TimeSpan.Zero, RetryAfter.Parse("Sun, 22 Nov 2026 03:59:00 GMT", Now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    public void Absent_or_malformed_values_ask_for_nothing(string? value)
    {
        Assert.Null(RetryAfter.Parse(value, Now));
    }

    [Fact]
    public void Reads_the_header_of_a_response()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(7));

        Assert.Equal(TimeSpan.FromSeconds(7), RetryAfter.GetDelay(response, Now));
    }

    [Fact]
    public void Response_without_the_header_asks_for_nothing()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);

        Assert.Null(RetryAfter.GetDelay(response, Now));
    }
}
