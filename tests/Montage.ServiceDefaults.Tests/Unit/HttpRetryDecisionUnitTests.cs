using System.Net;
using Montage.ServiceDefaults.Resilience;
using Polly;
using Polly.Timeout;

namespace Montage.ServiceDefaults.Tests.Unit;

public sealed class HttpRetryDecisionUnitTests
{
    public static TheoryData<string, int, bool, bool> StatusTable => new()
    {
        // method, status, retry all methods, expected
        { "GET", 503, false, true },
        { "GET", 500, false, true },
        { "GET", 502, false, true },
        { "GET", 504, false, true },
        { "GET", 429, false, true },
        { "GET", 408, false, true },
        { "HEAD", 503, false, true },
        { "OPTIONS", 503, false, true },
        { "PUT", 503, false, true },
        { "DELETE", 503, false, true },
        { "TRACE", 503, false, true },
        { "GET", 200, false, false },
        { "GET", 400, false, false },
        { "GET", 401, false, false },
        { "GET", 404, false, false },
        { "GET", 409, false, false },
        { "GET", 422, false, false },
        { "POST", 503, false, false },
        { "POST", 429, false, false },
        { "PATCH", 503, false, false },
        { "POST", 503, true, true },
        { "PATCH", 429, true, true },
        { "POST", 422, true, false },
    };

    [Theory]
    [MemberData(nameof(StatusTable))]
    public void Status_outcomes(string method, int status, bool retryAllMethods, bool expected)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);

        Assert.Equal(expected, HttpRetryDecision.ShouldRetry(new HttpMethod(method), Outcome.FromResult(response), retryAllMethods));
    }

    [Theory]
    [InlineData("GET", false, true)]
    [InlineData("PUT", false, true)]
    [InlineData("POST", false, false)]
    [InlineData("POST", true, true)]
    public void Transport_errors(string method, bool retryAllMethods, bool expected)
    {
        var outcome = Outcome.FromException<HttpResponseMessage>(new HttpRequestException("connection refused"));

        Assert.Equal(expected, HttpRetryDecision.ShouldRetry(new HttpMethod(method), outcome, retryAllMethods));
    }

    [Fact]
    public void Attempt_timeouts_are_transient()
    {
        var outcome = Outcome.FromException<HttpResponseMessage>(new TimeoutRejectedException());

        Assert.True(HttpRetryDecision.ShouldRetry(HttpMethod.Get, outcome, retryAllMethods: false));
    }

    [Fact]
    public void Caller_cancellation_is_never_retried()
    {
        var outcome = Outcome.FromException<HttpResponseMessage>(new OperationCanceledException());

        Assert.False(HttpRetryDecision.ShouldRetry(HttpMethod.Get, outcome, retryAllMethods: true));
    }

    [Fact]
    public void Other_exceptions_are_not_transient()
    {
        var outcome = Outcome.FromException<HttpResponseMessage>(new InvalidOperationException());

        Assert.False(HttpRetryDecision.IsTransient(outcome));
    }
}
