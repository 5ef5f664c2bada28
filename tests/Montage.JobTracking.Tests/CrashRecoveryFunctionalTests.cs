using System.Collections.Concurrent;
using Montage.Contracts.Jobs.V1;
using Montage.Grpc;
using Montage.Hosting.Testing;
using Npgsql;

namespace Montage.JobTracking.Tests;

/// <summary>
/// Processes die mid-flight: the JobTracking service (SIGKILL, then restart) and Redis. Jobs must be neither lost
/// nor paid twice, and event streams must have neither gaps nor duplicates.
/// </summary>
[Collection(JobTrackingFaultCollection.Name)]
public sealed class CrashRecoveryFunctionalTests(JobTrackingFaultFixture fixture)
{
    private const int JobCount = 40;

    [Fact]
    public async Task Killing_the_service_mid_flight_loses_no_job_and_pays_no_provider_twice()
    {
        var client = fixture.Client;
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        var ids = new List<string>();
        for (var i = 0; i < JobCount; i++)
        {
            ids.Add((await client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, $"{{\"n\":{i}}}") })).Job.Id);
        }

        // Worker bookkeeping: how often each job was submitted to the "provider" (never when resuming).
        var providerSubmits = new ConcurrentDictionary<string, int>();
        var completed = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() => RunWorkerAsync(client, kind, providerSubmits, completed, stop.Token))).ToList();

        while (completed.Count < JobCount / 4)
        {
            await Task.Delay(20);
        }

        await fixture.App.KillAsync("jobtracking");
        await fixture.App.RestartAsync("jobtracking");
        await fixture.App.WaitForHealthyAsync("jobtracking", TimeSpan.FromMinutes(3));

        while (!ids.All(completed.ContainsKey) && !stop.IsCancellationRequested)
        {
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var jobs = new List<Job>();
        foreach (var id in ids)
        {
            jobs.Add(await client.GetAsync(new GetJobRequest { JobId = id }));
        }

        Assert.All(jobs, j => Assert.Equal(JobState.Succeeded, j.State));
        Assert.All(ids, id => Assert.Equal(1, providerSubmits.GetValueOrDefault(id)));

        await using var connection = new NpgsqlConnection(fixture.JobsConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE type = 'job.succeeded'), count(DISTINCT job_id) FROM job_events WHERE owner = $1", connection);
        command.Parameters.AddWithValue(owner);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(JobCount, reader.GetInt64(0));
        Assert.Equal(JobCount, reader.GetInt64(1));
    }

    [Fact]
    public async Task Restarting_redis_mid_watch_leaves_no_gap_and_no_duplicate()
    {
        var client = fixture.Client;
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        var received = new List<JobEvent>();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var watch = client.Watch(new WatchRequest { OwnerScope = owner, LiveOnly = true }, cancel.Token);
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await watch.ResponseStream.MoveNext(cancel.Token))
                {
                    lock (received)
                    {
                        received.Add(watch.ResponseStream.Current);
                    }
                }
            }
            catch (RpcException) when (cancel.IsCancellationRequested)
            {
                // Test over.
            }
            catch (OperationCanceledException)
            {
                // Test over.
            }
        });

        // The stream is open once a first event arrives.
        await client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, "{\"first\":true}") });
        while (Count(received) == 0)
        {
            await Task.Delay(20);
        }

        var worker = new TestWorker(client, kind);
        for (var i = 0; i < 30; i++)
        {
            if (i == 10)
            {
                await fixture.App.KillAsync("redis");
                await fixture.App.RestartAsync("redis");
            }

            var job = (await client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, $"{{\"n\":{i}}}") })).Job;
            if (i % 3 == 0)
            {
                var leased = await worker.LeaseJobAsync(job.Id);
                await worker.CompleteAsync(leased);
            }
        }

        var expected = await StoredSequencesAsync(owner);
        while (Count(received) < expected.Count && !cancel.IsCancellationRequested)
        {
            await Task.Delay(50);
        }

        await fixture.App.WaitForHealthyAsync("redis");
        await cancel.CancelAsync();
        await reading;
        List<long> sequences;
        lock (received)
        {
            sequences = received.Select(e => e.Sequence).ToList();
        }

        Assert.Equal(expected, sequences);
    }

    private static int Count(List<JobEvent> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    private async Task<List<long>> StoredSequencesAsync(string owner)
    {
        await using var connection = new NpgsqlConnection(fixture.JobsConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT sequence FROM job_events WHERE owner = $1 ORDER BY sequence", connection);
        command.Parameters.AddWithValue(owner);
        var list = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(reader.GetInt64(0));
        }

        return list;
    }

    private static async Task RunWorkerAsync(
        JobTrackerClient client, string kind, ConcurrentDictionary<string, int> providerSubmits, ConcurrentDictionary<string, int> completed, CancellationToken stop)
    {
        var worker = new TestWorker(client, kind);
        while (!stop.IsCancellationRequested)
        {
            // The lease must outlast the outage: a worker cut off from the tracker for longer than its lease loses the
            // job to another worker by design, and a restart on a loaded machine can take well over 15 s.
            var leased = await Transient(() => worker.LeaseAsync(2, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)), stop);
            foreach (var job in leased ?? [])
            {
                var requestId = job.Job.ProviderCheckpoint?.RequestId;
                if (!job.Resume)
                {
                    providerSubmits.AddOrUpdate(job.Job.Id, 1, (_, n) => n + 1);
                    requestId = "req-" + Guid.NewGuid().ToString("N");
                    if (await Transient(() => worker.CheckpointAsync(job, requestId), stop) is null)
                    {
                        continue;
                    }
                }

                await Task.Delay(30, CancellationToken.None);
                if (await Transient(() => worker.CompleteAsync(job), stop) is not null)
                {
                    completed.AddOrUpdate(job.Job.Id, 1, (_, n) => n + 1);
                }
            }
        }
    }

    /// <summary>Retries while the service is down; null when the lease is gone (another worker owns the job now) or the test stops.</summary>
    private static async Task<T?> Transient<T>(Func<Task<T>> call, CancellationToken stop)
        where T : class
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                return await call();
            }
            catch (RpcException exception) when (exception.StatusCode == StatusCode.FailedPrecondition)
            {
                return null;
            }
            catch (RpcException exception) when (exception.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Cancelled)
            {
                await Task.Delay(100, CancellationToken.None);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100, CancellationToken.None);
            }
        }

        return null;
    }
}
