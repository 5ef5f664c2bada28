using Montage.JobTracking.Events;
using Npgsql;

namespace Montage.JobTracking.Persistence;

/// <summary>Runs short job transactions; a deadlock or serialization failure is retried with a fresh transaction.</summary>
internal sealed class JobDatabase(NpgsqlDataSource dataSource, JobNotifier notifier, TimeProvider time)
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public TimeProvider Time { get; } = time;

    public async Task<T> RunAsync<T>(Func<JobTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await JobTransaction.BeginAsync(DataSource, notifier, Time, cancellationToken).ConfigureAwait(false);
            try
            {
                return await work(transaction).ConfigureAwait(false);
            }
            catch (PostgresException exception) when (attempt < 5 && IsRetryable(exception))
            {
                // Rolled back by DisposeAsync; run the whole unit again (a lost idempotency race then finds the winner).
            }
        }
    }

    private static bool IsRetryable(PostgresException exception) =>
        exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
        || exception is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "jobs_idempotency" or "graph_submissions_pkey" };

    /// <summary>A read outside any transaction.</summary>
    public async Task<List<JobRecord>> QueryJobsAsync(string sql, Action<NpgsqlParameterCollection> parameters, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        parameters(command.Parameters);
        var jobs = new List<JobRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            jobs.Add(JobRecord.Read(reader));
        }

        return jobs;
    }
}
