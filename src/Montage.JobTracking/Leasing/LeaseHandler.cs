using Microsoft.Extensions.Options;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Events;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Leasing;

/// <summary>
/// Lease: long-poll for jobs of the worker's kinds. Each try is one short transaction: requeue expired leases
/// of these kinds, pick candidates fairly across owners with FOR UPDATE SKIP LOCKED (concurrent workers never
/// block each other or get the same job), enforce concurrency caps, and mark the chosen jobs running. When
/// nothing is available the call waits for a wake-up (a job of these kinds queued or a cap slot freed, on this
/// replica or via Redis), polling only as a fallback, until max_wait.
/// </summary>
internal sealed class LeaseHandler(JobDatabase database, JobNotifier notifier, ConcurrencyCaps caps, IOptions<JobTrackingOptions> options)
{
    private const int MaxWorkerIdLength = 256;

    /// <summary>Picks candidates for owners in fairness order: fewest running jobs first, then the one leased longest ago.</summary>
    private static readonly string CandidatesSql = $"""
        WITH owners AS (
            SELECT q.owner, row_number() OVER (ORDER BY coalesce(r.running, 0), coalesce(c.last_leased_at, '-infinity'), q.owner) AS rank
            FROM (SELECT DISTINCT owner FROM jobs
                  WHERE state = 2 AND kind = ANY($1) AND next_attempt_at <= $2 AND provider <> ALL($3) AND model_id <> ALL($4)) q
            LEFT JOIN (SELECT owner, count(*) AS running FROM jobs WHERE state = 3 GROUP BY owner) r ON r.owner = q.owner
            LEFT JOIN owner_lease_clock c ON c.owner = q.owner
            ORDER BY rank
            LIMIT $5)
        SELECT j.* FROM owners o CROSS JOIN LATERAL (
            SELECT {JobRecord.Columns} FROM jobs
            WHERE owner = o.owner AND state = 2 AND kind = ANY($1) AND next_attempt_at <= $2 AND provider <> ALL($3) AND model_id <> ALL($4)
            ORDER BY next_attempt_at, id
            LIMIT $5
            FOR UPDATE SKIP LOCKED) j
        ORDER BY o.rank, j.next_attempt_at, j.id
        """;

    // Records the lease time per owner without ever waiting: a row being updated by a concurrent lease is skipped
    // (that lease writes nearly the same time).
    private const string TouchOwnersSql = """
        WITH locked AS (SELECT owner FROM owner_lease_clock WHERE owner = ANY($1) FOR UPDATE SKIP LOCKED),
        updated AS (UPDATE owner_lease_clock c SET last_leased_at = $2 FROM locked WHERE c.owner = locked.owner RETURNING c.owner)
        INSERT INTO owner_lease_clock (owner, last_leased_at)
        SELECT o, $2 FROM unnest($1::text[]) o WHERE NOT EXISTS (SELECT 1 FROM owner_lease_clock WHERE owner = o)
        ON CONFLICT DO NOTHING
        """;

    public async Task<LeaseResponse> HandleAsync(LeaseRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var (kinds, maxJobs, leaseDuration, maxWait) = Validate(request, settings);
        var deadline = database.Time.GetUtcNow() + maxWait;
        while (true)
        {
            // Taken before looking, so a job queued while we look wakes the wait below.
            var wakeUps = kinds.Select(k => notifier.ForKind(k).Next).ToList();
            var leased = await TryLeaseAsync(request.WorkerId, kinds, maxJobs, leaseDuration, cancellationToken).ConfigureAwait(false);
            var remaining = deadline - database.Time.GetUtcNow();
            if (leased.Jobs.Count > 0 || remaining <= TimeSpan.Zero)
            {
                return leased;
            }

            var wait = remaining < settings.LeasePollFallback ? remaining : settings.LeasePollFallback;
            wakeUps.Add(Task.Delay(wait, database.Time, cancellationToken));
            await Task.WhenAny(wakeUps).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static (string[] Kinds, int MaxJobs, TimeSpan LeaseDuration, TimeSpan MaxWait) Validate(LeaseRequest request, JobTrackingOptions settings)
    {
        if (string.IsNullOrWhiteSpace(request.WorkerId) || request.WorkerId.Length > MaxWorkerIdLength)
        {
            throw Errors.InvalidArgument($"worker_id is required (at most {MaxWorkerIdLength} characters)");
        }

        if (request.Kinds.Count == 0)
        {
            throw Errors.InvalidArgument("kinds is empty: name at least one job kind this worker runs");
        }

        if (request.Kinds.FirstOrDefault(k => !settings.Kinds.Contains(k, StringComparer.Ordinal)) is { } unknown)
        {
            throw Errors.InvalidArgument($"kinds: '{Errors.Truncate(unknown)}' is unknown; known kinds: {string.Join(", ", settings.Kinds)}");
        }

        if (request.MaxJobs < 0)
        {
            throw Errors.InvalidArgument("max_jobs must not be negative");
        }

        var leaseDuration = request.LeaseDuration?.ToTimeSpan() ?? settings.DefaultLeaseDuration;
        if (leaseDuration < TimeSpan.FromSeconds(1) || leaseDuration > TimeSpan.FromHours(1))
        {
            throw Errors.InvalidArgument("lease_duration must be between 1 s and 1 h");
        }

        var maxWait = request.MaxWait?.ToTimeSpan() ?? settings.DefaultLeaseWait;
        if (maxWait < TimeSpan.Zero)
        {
            throw Errors.InvalidArgument("max_wait must not be negative");
        }

        return (request.Kinds.Distinct(StringComparer.Ordinal).ToArray(), Math.Clamp(request.MaxJobs, 1, settings.MaxLeaseBatch),
            leaseDuration, maxWait > settings.MaxLeaseWait ? settings.MaxLeaseWait : maxWait);
    }

    internal Task<LeaseResponse> TryLeaseAsync(string workerId, string[] kinds, int maxJobs, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        database.RunAsync(async tx =>
        {
            _ = await LeaseExpiry.HandleExpiredAsync(tx, kinds, 100, cancellationToken).ConfigureAwait(false);
            var running = caps.IsEmpty ? null : await caps.CountRunningAsync(tx, cancellationToken).ConfigureAwait(false);
            var (fullProviders, fullModels) = running is null ? ([], []) : caps.Full(running);

            List<JobRecord> candidates;
            await using (var command = tx.Command(CandidatesSql))
            {
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = kinds });
                command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = tx.Now });
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = fullProviders });
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = fullModels });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxJobs });
                candidates = await tx.ReadJobsAsync(command, cancellationToken).ConfigureAwait(false);
            }

            if (candidates.Count > 0 && !caps.IsEmpty && candidates.Any(caps.IsCapped))
            {
                // The counts above were a hint; under the cap locks they are exact.
                await caps.LockAsync(tx, candidates.Where(caps.IsCapped), cancellationToken).ConfigureAwait(false);
                running = await caps.CountRunningAsync(tx, cancellationToken).ConfigureAwait(false);
            }

            var chosen = PickRoundRobin(candidates, maxJobs, running);
            var response = new LeaseResponse();
            if (chosen.Count == 0)
            {
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return response;
            }

            foreach (var job in chosen)
            {
                if (!job.AttemptOpen)
                {
                    job.Attempts++;
                    job.AttemptOpen = true;
                    job.AttemptDeadline = tx.Now + TimeSpan.FromMilliseconds(job.TimeoutMs);
                }

                job.State = JobState.Running;
                job.LeaseOwner = workerId;
                job.LeaseId = Guid.NewGuid();
                job.LeaseExpiresAt = tx.Now + leaseDuration;
                job.LeaseDurationMs = (int)leaseDuration.TotalMilliseconds;
                job.StartedAt ??= tx.Now;
                tx.AddStateEvent(job, "job.running");
            }

            await tx.UpdateManyAsync(chosen, cancellationToken).ConfigureAwait(false);
            await using (var touch = tx.Command(TouchOwnersSql))
            {
                touch.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = chosen.Select(j => j.Owner).Distinct().ToArray() });
                touch.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = tx.Now });
                await touch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            foreach (var job in chosen)
            {
                response.Jobs.Add(new LeasedJob
                {
                    Job = job.ToProto(),
                    LeaseId = job.LeaseId!.Value.ToString(),
                    LeaseExpiresAt = JobRecord.Stamp(job.LeaseExpiresAt!.Value),
                    Resume = job.CheckpointRequestId is not null,
                });
            }

            return response;
        }, cancellationToken);

    /// <summary>One job per owner per round, in the owners' fairness order, skipping jobs whose cap is reached.</summary>
    private List<JobRecord> PickRoundRobin(List<JobRecord> candidates, int maxJobs, RunningCounts? running)
    {
        var byOwner = candidates.GroupBy(j => j.Owner).Select(g => new Queue<JobRecord>(g)).ToList();
        var chosen = new List<JobRecord>();
        while (chosen.Count < maxJobs && byOwner.Any(q => q.Count > 0))
        {
            foreach (var queue in byOwner)
            {
                if (chosen.Count >= maxJobs || !queue.TryDequeue(out var job))
                {
                    continue;
                }

                if (running is not null && !caps.TryTake(running, job))
                {
                    continue;
                }

                chosen.Add(job);
            }
        }

        return chosen;
    }
}
