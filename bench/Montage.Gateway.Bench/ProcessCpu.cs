using System.Globalization;

namespace Montage.Gateway.Bench;

/// <summary>
/// CPU time (user + system) of a process and its descendants, read from /proc: a cost that does not depend on how busy
/// the shared machine is. Processes are found by the ids the app model started, never by name (other test suites run
/// the same services on this machine). Children that already exited count through the parent's cutime/cstime once
/// reaped (Postgres backends of closed connections).
/// </summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>
    /// CPU time of this process alone (its own threads), without its descendants: the benchmark starts every service
    /// as its child, so the tree of this process is the whole system, not the client.
    /// </summary>
    public static double OwnSeconds()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    public static double TreeSeconds(IEnumerable<int> roots)
    {
        var all = Snapshot();
        var children = all.Values.ToLookup(p => p.ParentPid);
        var total = 0.0;
        var pending = new Stack<(int Pid, bool Root)>(roots.Select(pid => (pid, true)));
        while (pending.Count > 0)
        {
            var (pid, root) = pending.Pop();
            if (!all.TryGetValue(pid, out var process))
            {
                continue;
            }

            // Reaped children's time is in the parent's cutime/cstime; living descendants are added one by one.
            total += process.Own + (root ? process.Reaped : 0);
            foreach (var child in children[pid])
            {
                total += child.Reaped;
                pending.Push((child.Pid, false));
            }
        }

        return total;
    }

    private static Dictionary<int, (int Pid, int ParentPid, double Own, double Reaped)> Snapshot()
    {
        var result = new Dictionary<int, (int, int, double, double)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                double Ticks(int index) => long.Parse(fields[index], CultureInfo.InvariantCulture) / TicksPerSecond;
                result[pid] = (pid, int.Parse(fields[1], CultureInfo.InvariantCulture), Ticks(11) + Ticks(12), Ticks(13) + Ticks(14));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we looked.
            }
        }

        return result;
    }
}
