using System.Diagnostics;
using StackExchange.Redis;

namespace Montage.ServiceDefaults.Redis;

/// <summary>
/// Spans for Redis work on the "Montage.Redis" ActivitySource. StackExchange.Redis 1.2.6 emits
/// no telemetry of its own, so only calls made through these helpers are traced: publishing
/// (the notifications that wake workers and event streams) and any operation wrapped in
/// <see cref="TraceAsync{T}"/>. Other commands go untraced.
/// </summary>
public static class RedisTelemetry
{
    public const string ActivitySourceName = "Montage.Redis";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    /// <summary>PUBLISH in a producer span; the span records how many subscribers received the message.</summary>
    public static async Task<long> PublishTracedAsync(this ISubscriber subscriber, RedisChannel channel, RedisValue message)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        using var activity = ActivitySource.StartActivity($"PUBLISH {channel}", ActivityKind.Producer);
        activity?.SetTag("db.system.name", "redis");
        activity?.SetTag("db.operation.name", "PUBLISH");
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", (string?)channel);
        try
        {
            var receivers = await subscriber.PublishAsync(channel, message).ConfigureAwait(false);
            activity?.SetTag("montage.redis.receivers", receivers);
            return receivers;
        }
        catch (Exception exception)
        {
            activity?.SetTag("error.type", exception.GetType().FullName);
            activity?.SetStatus(ActivityStatusCode.Error);
            throw;
        }
    }

    /// <summary>Runs one Redis operation in a client span named after it, e.g. "GET" or "HSET".</summary>
    public static async Task<T> TraceAsync<T>(string operation, Func<Task<T>> command)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operation);
        ArgumentNullException.ThrowIfNull(command);
        using var activity = ActivitySource.StartActivity(operation, ActivityKind.Client);
        activity?.SetTag("db.system.name", "redis");
        activity?.SetTag("db.operation.name", operation);
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            activity?.SetTag("error.type", exception.GetType().FullName);
            activity?.SetStatus(ActivityStatusCode.Error);
            throw;
        }
    }
}
