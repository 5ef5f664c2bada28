using System.Diagnostics;
using Npgsql;

namespace Montage.JobTracking.Bench;

/// <summary>
/// The peer: the same four durable transactions per job (insert + event, lease with SKIP LOCKED + event,
/// checkpoint + event, complete + event), issued directly with Npgsql, one round trip each, no service.
/// </summary>
internal static class BareSqlCycle
{
    private const string Schema = """
        DROP TABLE IF EXISTS bench_jobs, bench_events;
        CREATE TABLE bench_jobs (id uuid PRIMARY KEY, owner text NOT NULL, kind text NOT NULL, state smallint NOT NULL, input text NOT NULL,
            lease_id uuid, lease_owner text, lease_expires_at timestamptz, request_id text, outputs jsonb,
            created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
        CREATE INDEX ON bench_jobs (kind, created_at) WHERE state = 2;
        CREATE TABLE bench_events (sequence bigserial PRIMARY KEY, job_id uuid NOT NULL, type text NOT NULL, payload bytea NOT NULL,
            time timestamptz NOT NULL DEFAULT clock_timestamp());
        """;

    public static async Task<(double JobsPerSecond, long Jobs)> RunAsync(string connectionString, int clients, TimeSpan duration)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var setup = dataSource.CreateCommand(Schema))
        {
            await setup.ExecuteNonQueryAsync();
        }

        var payload = new byte[200];
        long jobs = 0;
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var n = 0;
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var id = Guid.CreateVersion7();
                await using var connection = await dataSource.OpenConnectionAsync();
                await Batch(connection,
                    ("INSERT INTO bench_jobs (id, owner, kind, state, input) VALUES ($1, $2, 'bench', 2, $3)", [id, "owner-" + c, $"{{\"n\":{n++}}}"]),
                    ("INSERT INTO bench_events (job_id, type, payload) VALUES ($1, 'job.queued', $2)", [id, payload]));

                var lease = Guid.NewGuid();
                Guid? leased = null;
                await using (var batch = new NpgsqlBatch(connection))
                {
                    var pick = new NpgsqlBatchCommand("""
                        WITH c AS (SELECT id FROM bench_jobs WHERE state = 2 AND kind = 'bench' ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                        UPDATE bench_jobs j SET state = 3, lease_id = $1, lease_owner = $2, lease_expires_at = now() + interval '60 s', updated_at = now()
                        FROM c WHERE j.id = c.id RETURNING j.id
                        """);
                    pick.Parameters.Add(new NpgsqlParameter { Value = lease });
                    pick.Parameters.Add(new NpgsqlParameter { Value = "worker-" + c });
                    batch.BatchCommands.Add(pick);
                    var evt = new NpgsqlBatchCommand("INSERT INTO bench_events (job_id, type, payload) SELECT id, 'job.running', $2 FROM bench_jobs WHERE lease_id = $1");
                    evt.Parameters.Add(new NpgsqlParameter { Value = lease });
                    evt.Parameters.Add(new NpgsqlParameter { Value = payload });
                    batch.BatchCommands.Add(evt);
                    await using var reader = await batch.ExecuteReaderAsync();
                    if (await reader.ReadAsync())
                    {
                        leased = reader.GetGuid(0);
                    }
                }

                if (leased is not { } job)
                {
                    continue;
                }

                await Batch(connection,
                    ("UPDATE bench_jobs SET request_id = $2, updated_at = now() WHERE id = $1 AND lease_id = $3 AND state = 3", [job, "r-" + job, lease]),
                    ("INSERT INTO bench_events (job_id, type, payload) VALUES ($1, 'job.checkpoint', $2)", [job, payload]));
                await Batch(connection,
                    ("UPDATE bench_jobs SET state = 4, outputs = '{\"out\":[\"asset\"]}', updated_at = now() WHERE id = $1 AND lease_id = $2 AND state = 3", [job, lease]),
                    ("INSERT INTO bench_events (job_id, type, payload) VALUES ($1, 'job.succeeded', $2)", [job, payload]));
                Interlocked.Increment(ref jobs);
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return (jobs / elapsed, jobs);
    }

    /// <summary>Several statements in one round trip and one implicit transaction (one commit, one fsync).</summary>
    private static async Task Batch(NpgsqlConnection connection, params (string Sql, object[] Values)[] statements)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (sql, values) in statements)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync();
    }
}
