using System.Text;
using Montage.Hosting.ApplicationModel;
using static Montage.Hosting.Publishing.Yaml;

namespace Montage.Hosting.Publishing;

/// <summary>
/// <c>docker-compose.yaml</c> + <c>.env</c> (generated passwords, provider settings) + init SQL creating the databases
/// + a Dockerfile per project. Services wait for healthy servers with <c>depends_on: condition: service_healthy</c>.
/// </summary>
internal static class ComposePublisher
{
    public static void Publish(PublishPlan plan, string output)
    {
        var services = new Dictionary<string, object?>(StringComparer.Ordinal);
        var volumes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var dotEnv = new SortedDictionary<string, string>(StringComparer.Ordinal);

        foreach (var postgres in plan.Postgres)
        {
            var variable = PublishValueContext.PasswordVariable(postgres);
            dotEnv[variable] = plan.Values.GeneratedPassword(postgres);
            var initDirectory = $"postgres-init/{postgres.Name}";
            Directory.CreateDirectory(Path.Combine(output, initDirectory));
            File.WriteAllText(Path.Combine(output, initDirectory, "databases.sql"), PublishPlan.CreateDatabasesSql(postgres));
            volumes[$"{postgres.Name}-data"] = new Dictionary<string, object?>();
            services[postgres.Name] = Map(
                ("image", PublishPlan.PostgresImage),
                ("environment", Map(("POSTGRES_USER", PostgresServerResource.UserName), ("POSTGRES_PASSWORD", $"${{{variable}}}"))),
                ("volumes", new List<object> { $"{postgres.Name}-data:/var/lib/postgresql/data", $"./{initDirectory}:/docker-entrypoint-initdb.d:ro" }),
                ("ports", HostPorts(postgres)),
                ("healthcheck", Map(
                    ("test", new List<object> { "CMD-SHELL", $"pg_isready -U {PostgresServerResource.UserName}" }),
                    ("interval", "5s"), ("timeout", "3s"), ("retries", 20))));
        }

        foreach (var redis in plan.Redis)
        {
            volumes[$"{redis.Name}-data"] = new Dictionary<string, object?>();
            services[redis.Name] = Map(
                ("image", PublishPlan.RedisImage),
                ("command", new List<object> { "redis-server", "--appendonly", "yes" }),
                ("volumes", new List<object> { $"{redis.Name}-data:/data" }),
                ("ports", HostPorts(redis)),
                ("healthcheck", Map(
                    ("test", new List<object> { "CMD", "redis-cli", "ping" }),
                    ("interval", "5s"), ("timeout", "3s"), ("retries", 20))));
        }

        foreach (var service in plan.Services)
        {
            foreach (var (name, value) in service.Environment.Where(e => e.Value == $"${{{e.Key}}}"))
            {
                dotEnv.TryAdd(name, plan.ProviderSettings.GetValueOrDefault(name, string.Empty));
            }

            var dockerfile = DockerfileWriter.Write(output, plan.RepositoryRoot, service.Project);
            var context = Path.GetRelativePath(output, plan.RepositoryRoot).Replace('\\', '/');
            var dependsOn = service.WaitsFor.ToDictionary(w => w, w => (object?)Map(("condition", plan.IsServer(w) ? "service_healthy" : "service_started")));
            services[service.Name] = Map(
                ("image", service.Image),
                ("build", Map(("context", context), ("dockerfile", Path.GetRelativePath(plan.RepositoryRoot, Path.Combine(output, dockerfile)).Replace('\\', '/')))),
                ("environment", service.Environment.ToDictionary(e => e.Key, e => (object?)e.Value, StringComparer.Ordinal)),
                ("ports", service.IsExternal ? HostPorts(service.Project) : null),
                ("depends_on", dependsOn.Count > 0 ? dependsOn : null),
                ("deploy", service.Replicas > 1 ? Map(("replicas", service.Replicas)) : null),
                ("restart", "unless-stopped"));
        }

        var compose = Map(("name", "montage"), ("services", services), ("volumes", volumes.Count > 0 ? volumes : null));
        File.WriteAllText(Path.Combine(output, "docker-compose.yaml"), Write(compose));
        var env = new StringBuilder("# Secrets for docker-compose.yaml: generated passwords and the provider settings. Keep this file private.\n");
        foreach (var (key, value) in dotEnv)
        {
            env.Append(key).Append('=').Append(value).Append('\n');
        }

        File.WriteAllText(Path.Combine(output, ".env"), env.ToString());
    }

    /// <summary>Fixed host ports only: a published server keeps its container port private unless one was declared.</summary>
    private static List<object>? HostPorts(IResource resource)
    {
        var ports = resource.Annotations.OfType<EndpointAnnotation>()
            .Where(e => e.Port is not null || e.IsExternal)
            .Select(e => (object)$"{e.Port ?? e.TargetPort}:{e.TargetPort}")
            .ToList();
        return ports.Count > 0 ? ports : null;
    }
}
