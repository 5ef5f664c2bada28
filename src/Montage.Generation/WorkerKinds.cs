namespace Montage.Generation;

/// <summary>The job kinds one generation service owns: it leases them and answers ListModels/Validate/Estimate for them.</summary>
public sealed class WorkerKinds
{
    public WorkerKinds(string serviceName, IReadOnlyList<string> kinds)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentNullException.ThrowIfNull(kinds);
        if (kinds.Count == 0)
        {
            throw new ArgumentException("A generation service owns at least one job kind.", nameof(kinds));
        }

        ServiceName = serviceName;
        Kinds = kinds;
    }

    /// <summary>The service's name in the AppHost (images, compositing, videos); the prefix of its worker ids.</summary>
    public string ServiceName { get; }

    public IReadOnlyList<string> Kinds { get; }

    public bool Owns(string kind) => Kinds.Contains(kind, StringComparer.Ordinal);
}
