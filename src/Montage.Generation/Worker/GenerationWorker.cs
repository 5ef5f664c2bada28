using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;
using Montage.Grpc.Client;
using Montage.Grpc;

namespace Montage.Generation.Worker;

/// <summary>
/// The worker loop: long-polls JobTracker for jobs of the service's kinds while it has free slots, and runs each leased
/// job with <see cref="JobRunner"/>. On shutdown it stops leasing and lets running jobs go: their leases lapse and
/// another replica resumes them from their checkpoints.
/// </summary>
internal sealed class GenerationWorker(
    JobTrackerClient jobs, JobRunner runner, WorkerKinds kinds, IOptions<GenerationOptions> options, ILogger<GenerationWorker> logger) : BackgroundService
{
    private readonly GenerationOptions _options = options.Value;

    /// <summary>Unique per process, so a lease names the replica that holds it.</summary>
    public string WorkerId { get; } = $"{kinds.ServiceName}-{Environment.MachineName}-{Environment.ProcessId}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        WorkerLog.Started(logger, WorkerId, string.Join(",", kinds.Kinds));
        using var slots = new SemaphoreSlim(_options.MaxConcurrentJobs, _options.MaxConcurrentJobs);
        var running = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                var free = 1;
                while (slots.Wait(0, CancellationToken.None))
                {
                    free++;
                }

                IReadOnlyList<LeasedJob> leased;
                try
                {
                    leased = await LeaseAsync(free, stoppingToken).ConfigureAwait(false);
                }
                catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
                {
                    slots.Release(free);
                    WorkerLog.LeaseFailed(logger, e.StatusCode.ToString());
                    await Task.Delay(_options.LeaseErrorBackoff, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                if (free > leased.Count)
                {
                    slots.Release(free - leased.Count);
                }

                running.RemoveAll(t => t.IsCompleted);
                foreach (var job in leased)
                {
                    running.Add(RunOneAsync(job, slots, stoppingToken));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<LeasedJob>> LeaseAsync(int maxJobs, CancellationToken stoppingToken)
    {
        var request = new LeaseRequest
        {
            WorkerId = WorkerId,
            MaxJobs = maxJobs,
            LeaseDuration = Duration.FromTimeSpan(_options.LeaseDuration),
            MaxWait = Duration.FromTimeSpan(_options.LeaseWait),
        };
        request.Kinds.AddRange(kinds.Kinds);
        var response = await jobs.LeaseAsync(request, new CallOptions(deadline: DateTime.UtcNow.Add(_options.LeaseWait + TimeSpan.FromSeconds(30)), cancellationToken: stoppingToken))
            .ConfigureAwait(false);
        return response.Jobs;
    }

    private async Task RunOneAsync(LeasedJob job, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Yield();
            await runner.RunAsync(job, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A run that could not even report its end: the lease lapses and the job is resumed elsewhere.
            WorkerLog.Unexpected(logger, job.Job.Id, e.GetType().Name, e);
        }
        finally
        {
            slots.Release();
        }
    }
}
