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
    /// First pass: at most one job per owner, owners in fairness order (fewest running jobs first, then the one
    /// leased longest ago), stopping after $3 jobs. There is no ORDER BY at the top on purpose: the owners are
    /// materialized in rank order and the nested loop walks them lazily, so the statement locks only the jobs it
    /// returns, and an owner whose queued jobs are all locked by a concurrent Lease is skipped (SKIP LOCKED) in favour
    /// of the next owner instead of ending the search. (Before: owners were cut to max_jobs first, so concurrent
    /// leases all aimed at the same top owner and every one but the first came back empty.) Providers and models whose
    /// cap is reached ($4..$7: names and limits) are skipped, so a full cap never hides other models' jobs.
    /// </summary>
    private static readonly string CandidatesSql = $"""
        WITH running AS MATERIALIZED (SELECT provider, model_id, owner FROM jobs WHERE state = 3),
        full_providers AS (
            SELECT c.name FROM unnest($4::text[], $5::int[]) AS c(name, cap)
            WHERE (SELECT count(*) FROM running WHERE provider = c.name) >= c.cap),
        full_models AS (
            SELECT c.name FROM unnest($6::text[], $7::int[]) AS c(name, cap)
            WHERE (SELECT count(*) FROM running WHERE model_id = c.name) >= c.cap),
        owners AS MATERIALIZED (
            SELECT q.owner, row_number() OVER (ORDER BY coalesce(r.running, 0), coalesce(c.last_leased_at, '-infinity'), q.owner) AS rank
            FROM (SELECT DISTINCT owner FROM jobs
                  WHERE state = 2 AND kind = ANY($1) AND next_attempt_at <= $2
                    AND provider NOT IN (SELECT name FROM full_providers) AND model_id NOT IN (SELECT name FROM full_models)) q
            LEFT JOIN (SELECT owner, count(*) AS running FROM running GROUP BY owner) r ON r.owner = q.owner
            LEFT JOIN owner_lease_clock c ON c.owner = q.owner
            ORDER BY rank)
        SELECT j.*, o.rank FROM owners o CROSS JOIN LATERAL (
            SELECT {JobRecord.Columns} FROM jobs
            WHERE owner = o.owner AND state = 2 AND kind = ANY($1) AND next_attempt_at <= $2
              AND provider NOT IN (SELECT name FROM full_providers) AND model_id NOT IN (SELECT name FROM full_models)
            ORDER BY next_attempt_at, id
            LIMIT 1
            FOR UPDATE SKIP LOCKED) j
        LIMIT $3
        """;

    /// <summary>
    /// Second pass, only when the first found fewer jobs than asked for (fewer owners with jobs than max_jobs): up to
    /// $4 more jobs of each owner found ($3), excluding the ones already locked ($5); picked round-robin in memory.
    /// </summary>
    private static readonly string MoreOfOwnersSql = $"""
        WITH running AS MATERIALIZED (SELECT provider, model_id FROM jobs WHERE state = 3),
        full_providers AS (
            SELECT c.name FROM unnest($6::text[], $7::int[]) AS c(name, cap)
            WHERE (SELECT count(*) FROM running WHERE provider = c.name) >= c.cap),
        full_models AS (
            SELECT c.name FROM unnest($8::text[], $9::int[]) AS c(name, cap)
            WHERE (SELECT count(*) FROM running WHERE model_id = c.name) >= c.cap)
        SELECT j.* FROM unnest($3::text[]) AS o(owner) CROSS JOIN LATERAL (
            SELECT {JobRecord.Columns} FROM jobs
            WHERE owner = o.owner AND state = 2 AND kind = ANY($1) AND next_attempt_at <= $2 AND id <> ALL($5)
              AND provider NOT IN (SELECT name FROM full_providers) AND model_id NOT IN (SELECT name FROM full_models)
            ORDER BY next_attempt_at, id
            LIMIT $4
            FOR UPDATE SKIP LOCKED) j
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
        var wakeups = notifier.Leases;
        while (true)
        {
            // Registered before looking, so a job queued while we look wakes the wait below.
            var waiter = wakeups.Register(kinds);
            LeaseResponse leased;
            try
            {
                leased = await TryLeaseAsync(request.WorkerId, kinds, maxJobs, leaseDuration, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                wakeups.Leave(waiter);
                throw;
            }

            var remaining = deadline - database.Time.GetUtcNow();
            if (leased.Jobs.Count > 0 || remaining <= TimeSpan.Zero)
            {
                wakeups.Leave(waiter);
                return leased;
            }

            var wait = remaining < settings.LeasePollFallback ? remaining : settings.LeasePollFallback;
            using (var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var timeout = Task.Delay(wait, database.Time, poll.Token);
                await Task.WhenAny(waiter.Woken, timeout).ConfigureAwait(false);
                await poll.CancelAsync().ConfigureAwait(false);
            }

            if (waiter.Woken.IsCompleted)
            {
                wakeups.Consume(waiter);
            }
            else
            {
                wakeups.Leave(waiter);
            }

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
    /// One try, usually two round trips: the fair candidates (locked), then the lease updates, the owners' lease
    /// clock, the events and COMMIT. A second candidate pass (fewer owners than max_jobs) and capped candidates (the
    /// cap locks and an exact recount) add one round trip each. Expired leases are not looked at here: housekeeping
    /// requeues them and wakes the waiting leases.
    /// </summary>
    internal Task<LeaseResponse> TryLeaseAsync(string workerId, string[] kinds, int maxJobs, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        database.RunAsync(async tx =>
        {
            var candidates = new List<(JobRecord Job, long Rank)>();
            await tx.ReadAsync(JobTransaction.Sql(CandidatesSql,
                    new NpgsqlParameter<string[]> { TypedValue = kinds },
                    new NpgsqlParameter<DateTime> { TypedValue = tx.Now },
                    new NpgsqlParameter<int> { TypedValue = maxJobs },
                    new NpgsqlParameter<string[]> { TypedValue = caps.ProviderCaps.Names },
                    new NpgsqlParameter<int[]> { TypedValue = caps.ProviderCaps.Limits },
                    new NpgsqlParameter<string[]> { TypedValue = caps.ModelCaps.Names },
                    new NpgsqlParameter<int[]> { TypedValue = caps.ModelCaps.Limits }),
                r => candidates.Add((JobRecord.Read(r), r.GetInt64(r.FieldCount - 1))), cancellationToken).ConfigureAwait(false);

            // Owners in fairness order; each owner's jobs in queue order.
            var ordered = candidates.OrderBy(c => c.Rank).Select(c => c.Job).ToList();
            if (ordered.Count > 0 && ordered.Count < maxJobs)
            {
                var owners = ordered.Select(j => j.Owner).ToArray();
                await tx.ReadAsync(JobTransaction.Sql(MoreOfOwnersSql,
                        new NpgsqlParameter<string[]> { TypedValue = kinds },
                        new NpgsqlParameter<DateTime> { TypedValue = tx.Now },
                        new NpgsqlParameter<string[]> { TypedValue = owners },
                        new NpgsqlParameter<int> { TypedValue = maxJobs - ordered.Count },
                        new NpgsqlParameter<Guid[]> { TypedValue = ordered.Select(j => j.Id).ToArray() },
                        new NpgsqlParameter<string[]> { TypedValue = caps.ProviderCaps.Names },
                        new NpgsqlParameter<int[]> { TypedValue = caps.ProviderCaps.Limits },
                        new NpgsqlParameter<string[]> { TypedValue = caps.ModelCaps.Names },
                        new NpgsqlParameter<int[]> { TypedValue = caps.ModelCaps.Limits }),
                    r => ordered.Add(JobRecord.Read(r)), cancellationToken).ConfigureAwait(false);
            }

            // Uncapped jobs need no count; capped ones are counted exactly under the cap locks.
            var running = new RunningCounts();
            if (ordered.Count > 0 && !caps.IsEmpty && ordered.Any(caps.IsCapped))
            {
                running = await caps.LockAndCountAsync(tx, ordered.Where(caps.IsCapped), cancellationToken).ConfigureAwait(false);
            }

            var chosen = PickRoundRobin(ordered, maxJobs, running);
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

            // Jobs locked here but not taken (over a cap, or beyond max_jobs) were invisible to concurrent leases
            // (SKIP LOCKED): once unlocked, one waiting lease per job looks again.
            foreach (var left in ordered.Except(chosen).GroupBy(j => j.Kind))
            {
                tx.WakeLeasers(left.Key, left.Count());
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
    private List<JobRecord> PickRoundRobin(List<JobRecord> candidates, int maxJobs, RunningCounts running)
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

                if (!caps.TryTake(running, job))
                {
                    continue;
                }

                chosen.Add(job);
            }
        }

        return chosen;
    }
}
