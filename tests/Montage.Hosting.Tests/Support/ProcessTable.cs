namespace Montage.Hosting.Tests.Support;

/// <summary>Finds live processes that belong to a data directory: named in their command line or working in it.</summary>
public static class ProcessTable
{
    public sealed record Entry(int Pid, string CommandLine, string WorkingDirectory);

    public static IReadOnlyList<Entry> Under(string dataDirectory)
    {
        var found = new List<Entry>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                if (IsZombie(pid))
                {
                    continue;
                }

                var commandLine = File.ReadAllText($"{directory}/cmdline").Replace('\0', ' ').Trim();
                var workingDirectory = new FileInfo($"{directory}/cwd").LinkTarget ?? string.Empty;
                if (commandLine.Contains(dataDirectory, StringComparison.Ordinal) || workingDirectory.StartsWith(dataDirectory, StringComparison.Ordinal))
                {
                    found.Add(new Entry(pid, commandLine, workingDirectory));
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }

        return found;
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !IsZombie(pid);

    /// <summary>Polls until nothing under the directory is alive; returns what is left after the deadline.</summary>
    public static async Task<IReadOnlyList<Entry>> WaitUntilNoneUnderAsync(string dataDirectory, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        IReadOnlyList<Entry> left;
        while ((left = Under(dataDirectory)).Count > 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
        }

        return left;
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
