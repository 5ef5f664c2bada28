using Montage.Hosting.Dashboard;

namespace Montage.Hosting.Tests.Dashboard;

/// <summary>The resources the dashboard tests show: shaped like Montage's own app model.</summary>
internal static class SampleResources
{
    public const string PostgresPassword = "pg-Secret-4711";
    public const string FalKey = "fal-key-0123456789abcdef";

    public static IEnumerable<ResourceSnapshot> All()
    {
        var started = DateTimeOffset.UtcNow.AddMinutes(-3);
        yield return new ResourceSnapshot
        {
            Name = "postgres",
            Type = ResourceType.Container,
            State = ResourceState.Healthy,
            Health = HealthStatus.Healthy,
            ProcessId = 4101,
            StartedAt = started,
            Endpoints = [new ResourceEndpoint("tcp", "tcp://127.0.0.1:54320")],
            Environment = new Dictionary<string, string> { ["POSTGRES_PASSWORD"] = PostgresPassword, ["PGPORT"] = "54320" },
        };
        yield return new ResourceSnapshot
        {
            Name = "redis",
            Type = ResourceType.Container,
            State = ResourceState.Healthy,
            Health = HealthStatus.Healthy,
            ProcessId = 4102,
            StartedAt = started,
            Endpoints = [new ResourceEndpoint("tcp", "tcp://127.0.0.1:63790")],
        };
        yield return new ResourceSnapshot
        {
            Name = "jobs-db",
            Type = ResourceType.Database,
            State = ResourceState.Healthy,
            Health = HealthStatus.Healthy,
            Parent = "postgres",
        };
        yield return new ResourceSnapshot
        {
            Name = "jobs",
            Type = ResourceType.Project,
            State = ResourceState.Healthy,
            Health = HealthStatus.Healthy,
            ProcessId = 4201,
            StartedAt = started,
            RestartCount = 1,
            Endpoints = [new ResourceEndpoint("http", "http://127.0.0.1:5101"), new ResourceEndpoint("grpc", "http://127.0.0.1:5102")],
            Environment = new Dictionary<string, string>
            {
                ["ConnectionStrings__jobs-db"] = $"Host=127.0.0.1;Port=54320;Username=postgres;Password={PostgresPassword};Database=jobs",
                ["OTEL_SERVICE_NAME"] = "jobs",
            },
        };
        yield return new ResourceSnapshot
        {
            Name = "gateway",
            Type = ResourceType.Project,
            State = ResourceState.Healthy,
            Health = HealthStatus.Healthy,
            ProcessId = 4301,
            StartedAt = started,
            Endpoints = [new ResourceEndpoint("http", "http://127.0.0.1:5001")],
            Environment = new Dictionary<string, string>
            {
                ["FAL_KEY"] = FalKey,
                ["services__jobs__grpc__0"] = "http://127.0.0.1:5102",
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
            },
        };
        yield return new ResourceSnapshot
        {
            Name = "images-1",
            Type = ResourceType.Project,
            State = ResourceState.Healthy,
            Health = HealthStatus.Healthy,
            ProcessId = 4401,
            StartedAt = started,
            ReplicaIndex = 1,
        };
    }
}
