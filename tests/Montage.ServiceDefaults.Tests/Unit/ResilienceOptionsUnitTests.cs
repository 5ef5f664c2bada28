using Montage.ServiceDefaults.Resilience;
using Polly;

namespace Montage.ServiceDefaults.Tests.Unit;

public sealed class ResilienceOptionsUnitTests
{
    [Fact]
    public void Defaults_are_consistent_and_shaped_like_the_standard_handler()
    {
        var options = new HttpStandardResilienceOptions();

        Assert.Empty(options.Validate());
        Assert.Equal(DelayBackoffType.Exponential, options.Retry.BackoffType);
        Assert.True(options.Retry.UseJitter);
        Assert.True(options.Retry.ShouldRetryAfterHeader);
        Assert.False(options.Retry.RetryAllMethods);
        Assert.True(options.AttemptTimeout.Timeout < options.TotalRequestTimeout.Timeout);
    }

    [Fact]
    public void Attempt_timeout_longer_than_total_is_rejected()
    {
        var options = new HttpStandardResilienceOptions();
        options.AttemptTimeout.Timeout = TimeSpan.FromMinutes(5);

        Assert.Contains(options.Validate(), problem => problem.Contains("AttemptTimeout", StringComparison.Ordinal));
    }
}
