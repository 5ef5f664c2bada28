using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting;

/// <summary>Finds the programs resources need, and fails with one line naming the Debian package when one is missing.</summary>
public static class Prerequisites
{
    /// <summary>Absolute path of a command on PATH (postgres binaries also under /usr/lib/postgresql/*/bin), or null.</summary>
    public static string? Locate(string command)
    {
        if (command.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(command) ? Path.GetFullPath(command) : null;
        }

        var path = System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, command);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return IsPostgresBinary(command) && PostgresBinDirectory() is { } bin && File.Exists(Path.Combine(bin, command))
            ? Path.Combine(bin, command)
            : null;
    }

    /// <summary>Debian installs postgres off PATH, under /usr/lib/postgresql/&lt;major&gt;/bin; the newest wins.</summary>
    public static string? PostgresBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(d => (Directory: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(d => File.Exists(Path.Combine(d.Directory, "postgres")))
            .OrderByDescending(d => d.Version)
            .Select(d => d.Directory)
            .FirstOrDefault();
    }

    /// <summary>Throws <see cref="MissingPrerequisiteException"/> listing every missing command of the model.</summary>
    public static void EnsureAvailable(IEnumerable<IResource> resources)
    {
        var required = resources
            .SelectMany(r => r.Annotations.OfType<RequiredCommandAnnotation>())
            .Select(a => (Command: a.Command, DebianPackage: a.DebianPackage))
            .Append((Command: "setpriv", DebianPackage: "util-linux"))
            .Append((Command: "setsid", DebianPackage: "util-linux"))
            .Distinct();
        var missing = required.Where(r => Locate(r.Command) is null).ToList();
        if (missing.Count > 0)
        {
            throw new MissingPrerequisiteException(missing);
        }
    }

    private static bool IsPostgresBinary(string command) => command is "postgres" or "initdb" or "pg_ctl" or "pg_isready" or "psql";
}

public sealed class MissingPrerequisiteException : Exception
{
    public MissingPrerequisiteException(IReadOnlyList<(string Command, string DebianPackage)> missing)
        : base(Describe(missing)) =>
        Missing = missing;

    public MissingPrerequisiteException()
        : base("A prerequisite is missing.") =>
        Missing = [];

    public MissingPrerequisiteException(string message)
        : base(message) =>
        Missing = [];

    public MissingPrerequisiteException(string message, Exception innerException)
        : base(message, innerException) =>
        Missing = [];

    public IReadOnlyList<(string Command, string DebianPackage)> Missing { get; }

    private static string Describe(IReadOnlyList<(string Command, string DebianPackage)> missing)
    {
        var commands = string.Join(", ", missing.Select(m => $"'{m.Command}'"));
        var packages = string.Join(' ', missing.Select(m => m.DebianPackage).Distinct());
        return $"Missing prerequisite: {commands} not found. Install it with: sudo apt-get install {packages}";
    }
}
