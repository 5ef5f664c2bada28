namespace Montage.Hosting.Orchestration;

/// <summary>One process to start: what, where, with which environment, as which user, and how to stop it.</summary>
internal sealed record LaunchSpec(string FileName, IReadOnlyList<string> Arguments, string WorkingDirectory)
{
    public IDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Inherited variables removed before <see cref="Environment"/> is applied.</summary>
    public IReadOnlyList<Func<string, bool>> RemoveInherited { get; init; } = [];

    /// <summary>Run as this system user (postgres refuses to run as root).</summary>
    public string? RunAsUser { get; init; }

    /// <summary>Signals sent in turn, each followed by a wait; SIGKILL comes after the last.</summary>
    public IReadOnlyList<StopStep> StopSequence { get; init; } = [new(NativeMethods.SIGTERM, TimeSpan.FromSeconds(10))];
}

internal readonly record struct StopStep(int Signal, TimeSpan Wait);
