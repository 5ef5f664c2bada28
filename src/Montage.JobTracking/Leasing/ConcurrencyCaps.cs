using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Leasing;

/// <summary>Running jobs per provider and per model, as counted under the cap locks of one lease transaction.</summary>
internal sealed class RunningCounts
{
    public Dictionary<string, int> ByProvider { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> ByModel { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Concurrency caps per provider and per model (e.g. fal Kling at most 2 at once), enforced at lease time
/// across all workers and replicas. Counting running rows is only exact if two leases cannot count at the same
/// time, so a lease that would start a capped job first takes a transaction-level advisory lock per cap (in a
/// fixed order, so two leases cannot deadlock) and counts again: leases of capped jobs serialize per cap, all
/// other leases never wait.
/// </summary>
internal sealed class ConcurrencyCaps(IOptions<JobTrackingOptions> options)
{
    private readonly Dictionary<string, int> _providerCaps = options.Value.Providers
        .Where(p => p.Value.MaxConcurrency is not null).ToDictionary(p => p.Key, p => p.Value.MaxConcurrency!.Value, StringComparer.Ordinal);

    private readonly Dictionary<string, int> _modelCaps = options.Value.Models
        .Where(m => m.Value.MaxConcurrency is not null).ToDictionary(m => m.Key, m => m.Value.MaxConcurrency!.Value, StringComparer.Ordinal);

    public bool IsEmpty => _providerCaps.Count == 0 && _modelCaps.Count == 0;

    public bool IsCapped(JobRecord job) => _providerCaps.ContainsKey(job.Provider) || _modelCaps.ContainsKey(job.ModelId);

    /// <summary>Provider caps as parallel arrays (names, limits), for the lease query to skip full providers itself.</summary>
    public (string[] Names, int[] Limits) ProviderCaps { get; } = (options.Value.Providers.Where(p => p.Value.MaxConcurrency is not null).Select(p => p.Key).ToArray(),
        options.Value.Providers.Where(p => p.Value.MaxConcurrency is not null).Select(p => p.Value.MaxConcurrency!.Value).ToArray());

    /// <summary>Model caps as parallel arrays (names, limits).</summary>
    public (string[] Names, int[] Limits) ModelCaps { get; } = (options.Value.Models.Where(m => m.Value.MaxConcurrency is not null).Select(m => m.Key).ToArray(),
        options.Value.Models.Where(m => m.Value.MaxConcurrency is not null).Select(m => m.Value.MaxConcurrency!.Value).ToArray());

    /// <summary>Running jobs per provider and model; rows go to <see cref="AddRow"/>.</summary>
    public static NpgsqlBatchCommand CountRunningSql() =>
        JobTransaction.Sql("SELECT provider, model_id, count(*)::int FROM jobs WHERE state = 3 GROUP BY provider, model_id");

    public static void AddRow(RunningCounts counts, NpgsqlDataReader reader)
    {
        var provider = reader.GetString(0);
        var model = reader.GetString(1);
        var n = reader.GetInt32(2);
        counts.ByProvider[provider] = counts.ByProvider.GetValueOrDefault(provider) + n;
        counts.ByModel[model] = counts.ByModel.GetValueOrDefault(model) + n;
    }

    /// <summary>True (and counted) when the job fits under its caps.</summary>
    public bool TryTake(RunningCounts running, JobRecord job)
    {
        if (_providerCaps.TryGetValue(job.Provider, out var providerCap) && running.ByProvider.GetValueOrDefault(job.Provider) >= providerCap)
        {
            return false;
        }

        if (_modelCaps.TryGetValue(job.ModelId, out var modelCap) && running.ByModel.GetValueOrDefault(job.ModelId) >= modelCap)
        {
            return false;
        }

        running.ByProvider[job.Provider] = running.ByProvider.GetValueOrDefault(job.Provider) + 1;
        running.ByModel[job.ModelId] = running.ByModel.GetValueOrDefault(job.ModelId) + 1;
        return true;
    }

    /// <summary>
    /// Takes the cap locks of <paramref name="cappedJobs"/> and counts the running jobs again under them, in one
    /// round trip: the counts are then exact until COMMIT.
    /// </summary>
    public async Task<RunningCounts> LockAndCountAsync(JobTransaction tx, IEnumerable<JobRecord> cappedJobs, CancellationToken cancellationToken)
    {
        var keys = new SortedSet<long>();
        foreach (var job in cappedJobs)
        {
            if (_providerCaps.ContainsKey(job.Provider))
            {
                keys.Add(LockKey("provider:" + job.Provider));
            }

            if (_modelCaps.ContainsKey(job.ModelId))
            {
                keys.Add(LockKey("model:" + job.ModelId));
            }
        }

        // One statement; its target list is evaluated left to right, i.e. in ascending key order.
        var locks = JobTransaction.Sql("SELECT " + string.Join(", ", keys.Select((_, i) => $"pg_advisory_xact_lock(${i + 1})")),
            [.. keys.Select(k => new NpgsqlParameter<long> { TypedValue = k })]);
        var counts = new RunningCounts();
        await tx.ReadAsync(cancellationToken, (locks, _ => { }), (CountRunningSql(), r => AddRow(counts, r))).ConfigureAwait(false);
        return counts;
    }

    private static long LockKey(string name) => BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("montage-jobs-cap:" + name)));
}
