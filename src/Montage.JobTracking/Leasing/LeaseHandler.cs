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

    /// <summary>
    /// Picks candidates for owners in fairness order: fewest running jobs first, then the one leased longest ago.
    /// Providers and models whose cap is reached ($5..$8: names and limits) are skipped here, so a full cap never
    /// hides leasable jobs of other models behind the LIMIT.
    /// </summary>
    private static readonly string CandidatesSql = $"""
        WITH running AS (SELECT provider, model_id, count(*) AS n FROM jobs WHERE state = 3 GROUP BY provider, model_id),
        full_providers AS (
            SELECT c.name FROM unnest($5::text[], $6::int[]) AS c(name, cap)
            WHERE coalesce((SELECT sum(n) FROM running WHERE provider = c.name), 0) >= c.cap),
        full_models AS (
            SELECT c.name FROM unnest($7::text[], $8::int[]) AS c(name, cap)
            WHERE coalesce((SELECT sum(n) FROM running WHERE model_id = c.name), 0) >= c.cap),
        owners AS (
            SELECT q.owner, row_number() OVER (ORDER BY coalesce(r.running, 0), coalesce(c.last_leased_at, '-infinity'), q.owner) AS rank
            FROM (SELECT DISTINCT owner FROM jobs
                  WHERE state = 2 AND kind = ANY($1) AND next_attempt_at <= $2
                    AND provider NOT IN (SELECT name FROM full_providers) AND model_id NOT IN (SELECT name FROM full_models)) q
            LEFT JOIN (SELECT owner, count(*) AS running FROM jobs WHERE state = 3 GROUP BY owner) r ON r.owner = q.owner
            LEFT JOIN owner_lease_clock c ON c.owner = q.owner
            ORDER BY rank
            LIMIT $3)
        SELECT j.* FROM owners o CROSS JOIN LATERAL (
            SELECT {JobRecord.Columns} FROM jobs
            WHERE owner = o.owner AND state = 2 AND kind = ANY($1) AND next_attempt_at <= $2
              AND provider NOT IN (SELECT name FROM full_providers) AND model_id NOT IN (SELECT name FROM full_models)
            ORDER BY next_attempt_at, id
            LIMIT $4
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

    /// <summary>
    /// One try, usually two round trips: the running counts and the fair candidates (locked), then the lease
    /// updates, the owners' lease clock, the events and COMMIT. Capped candidates add one round trip for the cap
    /// locks. Expired leases are not looked at here: housekeeping requeues them and wakes the waiting leases.
    /// </summary>
    internal Task<LeaseResponse> TryLeaseAsync(string workerId, string[] kinds, int maxJobs, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        database.RunAsync(async tx =>
        {
            var running = caps.IsEmpty ? null : new RunningCounts();
            var candidates = new List<JobRecord>();
            var pick = JobTransaction.Sql(CandidatesSql,
                new NpgsqlParameter<string[]> { TypedValue = kinds },
                new NpgsqlParameter<DateTime> { TypedValue = tx.Now },
                new NpgsqlParameter<int> { TypedValue = maxJobs },
                new NpgsqlParameter<int> { TypedValue = maxJobs },
                new NpgsqlParameter<string[]> { TypedValue = caps.ProviderCaps.Names },
                new NpgsqlParameter<int[]> { TypedValue = caps.ProviderCaps.Limits },
                new NpgsqlParameter<string[]> { TypedValue = caps.ModelCaps.Names },
                new NpgsqlParameter<int[]> { TypedValue = caps.ModelCaps.Limits });
            if (running is null)
            {
                await tx.ReadAsync(pick, r => candidates.Add(JobRecord.Read(r)), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await tx.ReadAsync(cancellationToken,
                    (ConcurrencyCaps.CountRunningSql(), r => ConcurrencyCaps.AddRow(running, r)),
                    (pick, r => candidates.Add(JobRecord.Read(r)))).ConfigureAwait(false);
            }

            if (candidates.Count > 0 && !caps.IsEmpty && candidates.Any(caps.IsCapped))
            {
                // The counts above were a hint; under the cap locks they are exact.
                running = await caps.LockAndCountAsync(tx, candidates.Where(caps.IsCapped), cancellationToken).ConfigureAwait(false);
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

            tx.UpdateMany(chosen);
            tx.Write(JobTransaction.Sql(TouchOwnersSql,
                new NpgsqlParameter<string[]> { TypedValue = chosen.Select(j => j.Owner).Distinct().ToArray() },
                new NpgsqlParameter<DateTime> { TypedValue = tx.Now }));

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
