namespace Montage.Hosting.Dashboard.Web;

/// <summary>A resource as the browser receives it: the environment already masked.</summary>
internal sealed record ResourceDto(
    string Name,
    ResourceType Type,
    ResourceState State,
    HealthStatus Health,
    int? ExitCode,
    IReadOnlyList<ResourceEndpoint> Endpoints,
    int? ProcessId,
    DateTimeOffset? StartedAt,
    int RestartCount,
    IReadOnlyList<EnvironmentVariableDto> Environment,
    int? ReplicaIndex,
    string? Source,
    string? Parent)
{
    public static ResourceDto From(ResourceSnapshot snapshot) => new(
        snapshot.Name,
        snapshot.Type,
        snapshot.State,
        snapshot.Health,
        snapshot.ExitCode,
        snapshot.Endpoints,
        snapshot.ProcessId,
        snapshot.StartedAt,
        snapshot.RestartCount,
        snapshot.Environment
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new EnvironmentVariableDto(e.Key, SecretMasking.MaskValue(e.Key, e.Value, out var masked), masked))
            .ToList(),
        snapshot.ReplicaIndex,
        snapshot.Source,
        snapshot.Parent);
}

internal sealed record EnvironmentVariableDto(string Name, string Value, bool Masked);
