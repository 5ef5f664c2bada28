using System.Globalization;
using System.Threading.RateLimiting;
using Montage.Gateway.Auth;
using Montage.Gateway.Errors;
using Montage.ReverseProxy.Forwarder;

namespace Montage.Gateway.Safety;

/// <summary>
/// Per API key token buckets: a key may burst up to its per-minute limit and refills evenly over the minute.
/// Requests without a key are not limited here (they are refused by authentication or are webhooks). A forwarded gRPC
/// call over its limit gets RESOURCE_EXHAUSTED, with the same Retry-After header.
/// Limits are per gateway instance.
/// </summary>
internal static class RateLimiting
{
    private const int ResourceExhausted = 8;

    public static IServiceCollection AddKeyRateLimits(this IServiceCollection services, Func<int> defaultRequestsPerMinute)
    {
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var keyId = context.User.FindFirst(GatewayClaims.KeyId)?.Value;
                if (keyId is null)
                {
                    return RateLimitPartition.GetNoLimiter("anonymous");
                }

                var perMinute = int.TryParse(context.User.FindFirst(GatewayClaims.RequestsPerMinute)?.Value, CultureInfo.InvariantCulture, out var own)
                    ? own
                    : defaultRequestsPerMinute();
                return RateLimitPartition.GetTokenBucketLimiter(keyId + ":" + perMinute.ToString(CultureInfo.InvariantCulture), _ => Bucket(perMinute));
            });
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                if (GrpcFailure.IsGrpcRequest(context.HttpContext.Request))
                {
                    // A gRPC client reads HTTP 429 as UNAVAILABLE, which its retry policy would retry at once.
                    GrpcFailure.WriteTrailersOnly(context.HttpContext.Response, ResourceExhausted,
                        $"Too many requests for this API key. Retry after {seconds} s.");
                    return;
                }

                await Problems.WriteAsync(context.HttpContext, 429, "rate_limited", "Too many requests for this API key.",
                    $"Retry after {seconds} s.").ConfigureAwait(false);
            };
        });
        return services;
    }

    /// <summary>Up to <paramref name="perMinute"/> at once, refilled in small steps spread over the minute.</summary>
    internal static TokenBucketRateLimiterOptions Bucket(int perMinute)
    {
        var perStep = Math.Max(1, perMinute / 60);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = perStep,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) * perStep / perMinute,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}
