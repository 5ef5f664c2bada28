using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Montage.JobTracking.Bench;

/// <summary>What the disk allows: fdatasync rate (pg_test_fsync) and durable commits per second through Postgres.</summary>
internal static partial class Durability
{
    public static async Task<string> PgTestFsyncAsync(string directory)
    {
        const string tool = "/usr/lib/postgresql/15/bin/pg_test_fsync";
        if (!File.Exists(tool))
        {
            return "pg_test_fsync not found";
        }

        var start = new ProcessStartInfo(tool, ["-s", "2", "-f", Path.Combine(directory, "pg_test_fsync.out")]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = output.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("fdatasync", StringComparison.Ordinal));
        return line is null ? "no fdatasync line" : OpsPerSecond().Match(line).Groups[1].Value + " fdatasync/s (8 kB, one writer)";
    }

    /// <summary>Single-row autocommit inserts with synchronous_commit on, from <paramref name="clients"/> connections.</summary>
    public static async Task<double> CommitsPerSecondAsync(string connectionString, int clients, TimeSpan duration)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var setup = dataSource.CreateCommand("DROP TABLE IF EXISTS bench_commits; CREATE TABLE bench_commits (id bigserial PRIMARY KEY, v int)"))
        {
            await setup.ExecuteNonQueryAsync();
        }

        long commits = 0;
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var command = new NpgsqlCommand("INSERT INTO bench_commits (v) VALUES (1)", connection);
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                await command.ExecuteNonQueryAsync();
                Interlocked.Increment(ref commits);
            }
        })));
        return commits / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    public static async Task<string> SettingAsync(string connectionString, string name)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT current_setting($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "";
    }

    [GeneratedRegex(@"([\d.,]+) ops/sec")]
    private static partial Regex OpsPerSecond();
}
