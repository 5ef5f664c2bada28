using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Api;

/// <summary>
/// Many job event streams opened at the same moment: each waits its turn for JobTracker while it opens (the gateway
/// bounds its replays), none fails at open for lack of JobTracking's database connections, and every one receives its
/// own job's past and live events through the owner's shared feed.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ConcurrentJobStreamsFunctionalTests(GatewayFixture fixture)
{
    private const int Streams = 300;
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Three_hundred_streams_opened_at_once_each_receive_their_jobs_events_and_none_gets_an_error()
    {
        using var tenant = await fixture.NewTenantAsync(requestsPerMinute: 1_000_000);
        var jobIds = await SubmitAsync(tenant.Client, Streams);

        // One HTTP/1.1 connection per stream, all requested together.
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Streams * 2, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var streamsClient = new HttpClient(handler) { BaseAddress = fixture.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        streamsClient.DefaultRequestHeaders.Authorization = tenant.Client.DefaultRequestHeaders.Authorization;
        using var timeout = new CancellationTokenSource(Generous);
        var streams = jobIds.Select(id => new RecordedStream(id)).ToList();
        var reading = streams.Select(s => s.ReadAsync(streamsClient, timeout.Token)).ToList();

        // Every stream has replayed its job's past (job.queued) before the jobs change.
        await Task.WhenAll(streams.Select(s => s.FirstEvent)).WaitAsync(Generous);
        var failedAtOpen = streams.Where(s => s.Snapshot() is var events && (events.Count == 0 || events.Any(e => e.Event == "error"))).ToList();
        Assert.True(failedAtOpen.Count == 0,
            $"{failedAtOpen.Count} of {Streams} streams failed at open; first: {failedAtOpen.Select(s => s.Failure ?? string.Join(",", s.Snapshot().Select(e => e.Event + " " + e.Data))).FirstOrDefault()}");

        // Live events: each job is canceled (its terminal event ends its stream).
        await ForEachAsync(jobIds, 8, async id =>
        {
            using var cancel = await tenant.Client.DeleteAsync(new Uri($"/v1/jobs/{id}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        });
        await Task.WhenAll(reading).WaitAsync(Generous);

        foreach (var stream in streams)
        {
            Assert.True(stream.Failure is null, $"stream of job {stream.JobId} failed: {stream.Failure}");
            Assert.DoesNotContain(stream.Events, e => e.Event == "error");
            Assert.Equal("job.queued", stream.Events[0].Event);
            Assert.Equal("job.canceled", stream.Events[^1].Event);
            var sequences = stream.Events.Select(e => long.Parse(e.Id!, CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(sequences.Order(), sequences);
            Assert.Equal(sequences.Count, sequences.Distinct().Count());
            Assert.All(stream.Events, e => Assert.Equal(stream.JobId, JsonNode.Parse(e.Data)!["job_id"]!.GetValue<string>()));
        }
    }

    private static async Task<List<string>> SubmitAsync(HttpClient client, int count)
    {
        var ids = new ConcurrentBag<string>();
        await ForEachAsync(Enumerable.Range(0, count).ToList(), 8, async n =>
        {
            using var response = await client.PostAsync(new Uri("/v1/images", UriKind.Relative), ApiTestData.Json(new JsonObject
            {
                ["model"] = "local/storyboard",
                ["input"] = new JsonObject { ["prompt"] = $"concurrent stream {n}" },
                ["no_cache"] = true,
            }));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add((await ApiTestData.ReadJsonAsync(response))["id"]!.GetValue<string>());
        });
        return [.. ids];
    }

    private static async Task ForEachAsync<T>(IReadOnlyList<T> items, int parallel, Func<T, Task> action)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < items.Count)
            {
                await action(items[index]);
            }
        })));
    }

    /// <summary>One stream's events as received, until the stream ends.</summary>
    private sealed class RecordedStream(string jobId)
    {
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string JobId { get; } = jobId;

        public List<SseEvent> Events { get; } = [];

        public string? Failure { get; private set; }

        public List<SseEvent> Snapshot()
        {
            lock (Events)
            {
                return [.. Events];
            }
        }

        /// <summary>Completes at the first event, or when the stream ended without one.</summary>
        public Task FirstEvent => _first.Task;

        public async Task ReadAsync(HttpClient client, CancellationToken cancellationToken)
        {
            try
            {
                using var response = await client.GetAsync(new Uri($"/v1/jobs/{JobId}/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Failure = $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
                    return;
                }

                using var reader = new SseReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                while (await reader.NextAsync(cancellationToken) is { } next)
                {
                    lock (Events)
                    {
                        Events.Add(next);
                    }

                    _first.TrySetResult();
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException)
            {
                Failure = exception.GetType().Name + ": " + exception.Message;
            }
            finally
            {
                _first.TrySetResult();
            }
        }
    }
}
