namespace Montage.JobTracking.Bench;

/// <summary>
/// CPU time (user + system) of processes found by command line, read from /proc: a load-independent cost. On a shared
/// machine throughput follows the share of the cores each side gets; CPU per job does not.
/// </summary>
internal static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>
    /// Total CPU seconds of the processes whose command line contains <paramref name="marker"/> and, when
    /// <paramref name="ancestor"/> is given, that descend from it. Other engineers' test runs start JobTracking
    /// services too: counting every "Montage.JobTracking.dll" mixed their CPU in (and one exiting between two readings
    /// made the figure negative).
    /// </summary>
    public static double Seconds(string marker, int? ancestor = null)
    {
        var all = Processes().ToList();
        var parents = all.ToDictionary(p => p.Pid, p => p.ParentPid);
        return all.Where(p => p.CommandLine.Contains(marker, StringComparison.Ordinal) && (ancestor is null || DescendsFrom(p.Pid, ancestor.Value, parents)))
            .Sum(p => p.CpuSeconds);
    }

    /// <summary>CPU seconds of this benchmark process (the client side).</summary>
    public static double Self() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    private static bool DescendsFrom(int pid, int ancestor, Dictionary<int, int> parents)
    {
        for (var depth = 0; depth < 16 && parents.TryGetValue(pid, out var parent) && parent > 1; depth++)
        {
            if (parent == ancestor)
            {
                return true;
            }

            pid = parent;
        }

        return false;
    }

    /// <summary>CPU seconds of the Postgres server listening on <paramref name="port"/> and all its backends (its children).</summary>
    public static double PostgresSeconds(int port)
    {
        var all = Processes().ToList();
        var servers = all.Where(p => p.CommandLine.Contains($" -p {port} ", StringComparison.Ordinal) && p.CommandLine.Contains("postgres", StringComparison.Ordinal)).ToList();
        if (servers.Count == 0)
        {
            return double.NaN;
        }

        // The server's own figure includes its reaped children (cutime + cstime): backends of connections that closed
        // before this reading, e.g. when the bare-SQL cycle disposes its data source, are counted there.
        var server = servers[0].Pid;
        return servers[0].CpuSecondsWithReapedChildren + all.Where(p => p.ParentPid == server).Sum(p => p.CpuSeconds);
    }

    private static IEnumerable<(int Pid, int ParentPid, string CommandLine, double CpuSeconds, double CpuSecondsWithReapedChildren)> Processes()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            (int, int, string, double, double)? found = null;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // Fields after the command name: [11] utime, [12] stime, [13] cutime, [14] cstime (waited-for children).
                var ticks = Ticks(fields[11]) + Ticks(fields[12]);
                var children = Ticks(fields[13]) + Ticks(fields[14]);
                found = (pid, int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), cmdline, ticks / TicksPerSecond, (ticks + children) / TicksPerSecond);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we looked.
            }

            if (found is { } process)
            {
                yield return process;
            }
        }
    }

    private static long Ticks(string field) => long.Parse(field, System.Globalization.CultureInfo.InvariantCulture);
}
