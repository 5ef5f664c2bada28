using Montage.Hosting.ApplicationModel;
using static Montage.Hosting.Publishing.Yaml;

namespace Montage.Hosting.Publishing;

/// <summary>
/// One file per resource (Deployment + Service per project with replicas and /alive, /health probes; StatefulSet +
/// Service per server), <c>secrets.yaml</c> with every password, connection string and provider setting, and a
/// <c>kustomization.yaml</c> listing them. Secrets reach containers only through <c>secretKeyRef</c>.
/// </summary>
internal static class KubernetesPublisher
{
    public const string SecretName = "montage-secrets";

    public static void Publish(PublishPlan plan, string output)
    {
        var secrets = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        var files = new List<string>();

        foreach (var postgres in plan.Postgres)
        {
            var passwordKey = $"{postgres.Name}-password";
            secrets[passwordKey] = plan.Values.GeneratedPassword(postgres);
            var initConfig = $"{postgres.Name}-init";
            var documents = new List<object>
            {
                Map(("apiVersion", "v1"), ("kind", "ConfigMap"), ("metadata", Metadata(initConfig)),
                    ("data", Map(("databases.sql", PublishPlan.CreateDatabasesSql(postgres))))),
                ServerService(postgres),
                StatefulSet(postgres, PublishPlan.PostgresImage, args: null,
                    env: [
                        Map(("name", "POSTGRES_USER"), ("value", PostgresServerResource.UserName)),
                        SecretEnv("POSTGRES_PASSWORD", passwordKey, optional: false),
                        Map(("name", "PGDATA"), ("value", "/var/lib/postgresql/data/pgdata")),
                    ],
                    dataPath: "/var/lib/postgresql/data",
                    readiness: ["pg_isready", "-U", PostgresServerResource.UserName],
                    extraMounts: [(initConfig, "/docker-entrypoint-initdb.d")]),
            };
            files.Add(WriteFile(output, postgres.Name, documents));
        }

        foreach (var redis in plan.Redis)
        {
            var documents = new List<object>
            {
                ServerService(redis),
                StatefulSet(redis, PublishPlan.RedisImage, args: ["--appendonly", "yes"], env: [], dataPath: "/data",
                    readiness: ["redis-cli", "ping"], extraMounts: []),
            };
            files.Add(WriteFile(output, redis.Name, documents));
        }

        foreach (var service in plan.Services)
        {
            DockerfileWriter.Write(output, plan.RepositoryRoot, service.Project);
            var env = new List<object>();
            foreach (var (name, value) in service.Environment)
            {
                if (PublishedService.IsSecret(name, value))
                {
                    var provider = value == $"${{{name}}}";
                    secrets[name] = provider ? plan.ProviderSettings.GetValueOrDefault(name, string.Empty) : value;
                    env.Add(SecretEnv(name, name, optional: provider));
                }
                else
                {
                    env.Add(Map(("name", name), ("value", value)));
                }
            }

            files.Add(WriteFile(output, service.Name, [Deployment(service, env), ProjectService(service)]));
        }

        var secret = Map(("apiVersion", "v1"), ("kind", "Secret"), ("metadata", Metadata(SecretName)), ("type", "Opaque"),
            ("stringData", secrets));
        files.Insert(0, WriteFile(output, "secrets", [secret]));
        File.WriteAllText(Path.Combine(output, "kustomization.yaml"), Write(Map(
            ("apiVersion", "kustomize.config.k8s.io/v1beta1"), ("kind", "Kustomization"), ("resources", files.Cast<object>().ToList()))));
    }

    private static string WriteFile(string output, string name, IEnumerable<object> documents)
    {
        var file = $"{name}.yaml";
        File.WriteAllText(Path.Combine(output, file), WriteAll(documents));
        return file;
    }

    private static Dictionary<string, object?> Metadata(string name) =>
        Map(("name", name), ("labels", Map(("app.kubernetes.io/name", name), ("app.kubernetes.io/part-of", "montage"))));

    private static Dictionary<string, object?> Selector(string name) => Map(("app.kubernetes.io/name", name));

    private static Dictionary<string, object?> SecretEnv(string name, string key, bool optional) =>
        Map(("name", name), ("valueFrom", Map(("secretKeyRef", Map(("name", SecretName), ("key", key), ("optional", optional ? true : null))))));

    private static Dictionary<string, object?> ServerService(IResource server) =>
        Map(("apiVersion", "v1"), ("kind", "Service"), ("metadata", Metadata(server.Name)),
            ("spec", Map(
                ("selector", Selector(server.Name)),
                ("ports", server.Annotations.OfType<EndpointAnnotation>()
                    .Select(e => (object)Map(("name", e.Name), ("port", e.TargetPort), ("targetPort", e.Name))).ToList()))));

    private static Dictionary<string, object?> StatefulSet(
        IResource server, string image, List<object>? args, List<object> env, string dataPath, List<object> readiness,
        List<(string ConfigMap, string Path)> extraMounts)
    {
        var mounts = new List<object> { Map(("name", "data"), ("mountPath", dataPath)) };
        mounts.AddRange(extraMounts.Select(m => (object)Map(("name", m.ConfigMap), ("mountPath", m.Path))));
        var volumes = extraMounts.Select(m => (object)Map(("name", m.ConfigMap), ("configMap", Map(("name", m.ConfigMap))))).ToList();
        var container = Map(
            ("name", server.Name),
            ("image", image),
            ("args", args),
            ("env", env.Count > 0 ? env : null),
            ("ports", server.Annotations.OfType<EndpointAnnotation>()
                .Select(e => (object)Map(("name", e.Name), ("containerPort", e.TargetPort))).ToList()),
            ("readinessProbe", Map(("exec", Map(("command", readiness))), ("periodSeconds", 5))),
            ("volumeMounts", mounts));
        return Map(("apiVersion", "apps/v1"), ("kind", "StatefulSet"), ("metadata", Metadata(server.Name)),
            ("spec", Map(
                ("serviceName", server.Name),
                ("replicas", 1),
                ("selector", Map(("matchLabels", Selector(server.Name)))),
                ("template", Map(
                    ("metadata", Map(("labels", Selector(server.Name)))),
                    ("spec", Map(("containers", new List<object> { container }), ("volumes", volumes.Count > 0 ? volumes : null))))),
                ("volumeClaimTemplates", new List<object>
                {
                    Map(("metadata", Map(("name", "data"))),
                        ("spec", Map(("accessModes", new List<object> { "ReadWriteOnce" }),
                            ("resources", Map(("requests", Map(("storage", "1Gi")))))))),
                }))));
    }

    private static Dictionary<string, object?> Deployment(PublishedService service, List<object> env)
    {
        var http = service.Endpoints.FirstOrDefault(e => e.Protocol == EndpointProtocol.Http1)?.Name;
        var container = Map(
            ("name", service.Name),
            ("image", service.Image),
            ("ports", service.Endpoints.Select(e => (object)Map(("name", e.Name), ("containerPort", e.TargetPort))).ToList()),
            ("env", env),
            ("livenessProbe", http is null ? null : Map(("httpGet", Map(("path", "/alive"), ("port", http))), ("periodSeconds", 10))),
            ("readinessProbe", http is null ? null : Map(("httpGet", Map(("path", "/health"), ("port", http))), ("periodSeconds", 5))));
        return Map(("apiVersion", "apps/v1"), ("kind", "Deployment"), ("metadata", Metadata(service.Name)),
            ("spec", Map(
                ("replicas", service.Replicas),
                ("selector", Map(("matchLabels", Selector(service.Name)))),
                ("template", Map(
                    ("metadata", Map(("labels", Selector(service.Name)))),
                    ("spec", Map(("containers", new List<object> { container }))))))));
    }

    private static Dictionary<string, object?> ProjectService(PublishedService service) =>
        Map(("apiVersion", "v1"), ("kind", "Service"), ("metadata", Metadata(service.Name)),
            ("spec", Map(
                ("type", service.IsExternal ? "LoadBalancer" : null),
                ("selector", Selector(service.Name)),
                ("ports", service.Endpoints.Select(e => (object)Map(("name", e.Name), ("port", e.TargetPort), ("targetPort", e.Name))).ToList()))));
}
