using System.Text.RegularExpressions;
using Montage.Hosting.Tests.Support;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Montage.Hosting.Tests;

/// <summary>
/// Publishing writes real files from a model with servers, databases, replicated services, references and waits;
/// the tests parse them back with YamlDotNet and check that every reference resolves.
/// </summary>
public sealed partial class PublishFunctionalTests : IDisposable
{
    private readonly string _output = TestPaths.NewTempDirectory("montage-publish-");

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public async Task Compose_output_wires_every_reference_to_an_existing_service()
    {
        await PublishAsync("compose");

        var compose = Load(Path.Combine(_output, "docker-compose.yaml"));
        var services = Map(compose["services"]);
        Assert.Equal(new[] { "postgres", "redis", "jobtracking", "gateway" }, services.Keys.ToArray());
        var dotEnv = File.ReadAllLines(Path.Combine(_output, ".env"))
            .Where(l => !l.StartsWith('#') && l.Contains('='))
            .ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);
        Assert.Matches("^[0-9a-f]{32}$", dotEnv["POSTGRES_PASSWORD"]);
        Assert.Equal("fal-secret", dotEnv["FAL_KEY"]);

        foreach (var (name, definition) in services)
        {
            var service = Map(definition);
            var environment = service.TryGetValue("environment", out var env) ? Map(env) : [];
            foreach (var (key, value) in environment)
            {
                var text = (string)value!;
                foreach (Match variable in Placeholder().Matches(text))
                {
                    Assert.True(dotEnv.ContainsKey(variable.Groups[1].Value), $"{name}: {key} uses ${{{variable.Groups[1].Value}}}, missing from .env");
                }

                if (key.StartsWith("services__", StringComparison.Ordinal))
                {
                    var url = new Uri(text);
                    Assert.True(services.ContainsKey(url.Host), $"{name}: {key} points at unknown service {url.Host}");
                    Assert.Contains(Map(Map(services[url.Host])["environment"]).Values, v => (string)v! == $"http://0.0.0.0:{url.Port}");
                }

                if (key.StartsWith("ConnectionStrings__", StringComparison.Ordinal))
                {
                    var host = text.Contains("Host=", StringComparison.Ordinal) ? HostSetting().Match(text).Groups[1].Value : text.Split(':')[0];
                    Assert.True(services.ContainsKey(host), $"{name}: {key} points at unknown service {host}");
                }
            }

            if (service.TryGetValue("depends_on", out var dependsOn))
            {
                Assert.All(Map(dependsOn).Keys, d => Assert.True(services.ContainsKey(d), $"{name} depends on unknown {d}"));
            }

            if (service.TryGetValue("build", out var build))
            {
                var context = Path.GetFullPath(Path.Combine(_output, (string)Map(build)["context"]!));
                Assert.True(File.Exists(Path.Combine(context, "Aspire.sln")), "build context is the repository root");
                var dockerfile = Path.Combine(context, (string)Map(build)["dockerfile"]!);
                Assert.Contains($"ENTRYPOINT [\"dotnet\", \"Montage.Hosting.TestService.dll\"]", File.ReadAllText(dockerfile), StringComparison.Ordinal);
            }
        }

        var jobs = Map(services["jobtracking"]);
        Assert.Equal("Host=postgres;Port=5432;Username=postgres;Password=${POSTGRES_PASSWORD};Database=jobs",
            Map(jobs["environment"])["ConnectionStrings__jobs"]);
        Assert.Equal("3", Map(jobs["deploy"])["replicas"]);
        Assert.Equal("service_healthy", Map(Map(jobs["depends_on"])["postgres"])["condition"]);
        Assert.Equal(new[] { "8080:8080", "8081:8081" }, List(Map(services["gateway"])["ports"]).Cast<string>().ToArray());
        Assert.False(Map(jobs["environment"]).ContainsKey("FAL_KEY"), "provider settings only where asked for");
        Assert.Contains("CREATE DATABASE \"jobs\";", File.ReadAllText(Path.Combine(_output, "postgres-init/postgres/databases.sql")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubernetes_output_has_deployments_services_probes_and_resolvable_secrets()
    {
        await PublishAsync("kubernetes");

        var files = List(Load(Path.Combine(_output, "kustomization.yaml"))["resources"]).Cast<string>().ToList();
        Assert.All(files, f => Assert.True(File.Exists(Path.Combine(_output, f)), f));
        var documents = files.SelectMany(f => LoadAll(Path.Combine(_output, f))).ToList();
        var secret = documents.Single(d => (string)d["kind"]! == "Secret");
        var secretKeys = Map(secret["stringData"]).Keys.ToHashSet();
        var kubernetesServices = documents.Where(d => (string)d["kind"]! == "Service").ToDictionary(d => (string)Map(d["metadata"])["name"]!);
        var workloads = documents.Where(d => (string)d["kind"]! is "Deployment" or "StatefulSet").ToList();
        Assert.Equal(new[] { "gateway", "jobtracking", "postgres", "redis" }, kubernetesServices.Keys.Order(StringComparer.Ordinal).ToArray());

        foreach (var service in kubernetesServices.Values)
        {
            var selector = Map(Map(service["spec"])["selector"]);
            Assert.Contains(workloads, w => Map(Map(Map(Map(w["spec"])["template"])["metadata"])["labels"]).SequenceEqual(selector));
        }

        foreach (var workload in workloads)
        {
            var container = Map(List(Map(Map(Map(workload["spec"])["template"])["spec"])["containers"]).Single());
            var portNames = List(container["ports"]).Select(p => (string)Map(p)["name"]!).ToHashSet();
            foreach (var variable in container.TryGetValue("env", out var env) ? List(env).Select(Map) : [])
            {
                if (variable.TryGetValue("valueFrom", out var from))
                {
                    var reference = Map(Map(from)["secretKeyRef"]);
                    Assert.Equal((string)Map(secret["metadata"])["name"]!, reference["name"]);
                    Assert.Contains((string)reference["key"]!, secretKeys);
                    continue;
                }

                var (key, value) = ((string)variable["name"]!, (string)variable["value"]!);
                if (key.StartsWith("services__", StringComparison.Ordinal))
                {
                    var url = new Uri(value);
                    Assert.True(kubernetesServices.TryGetValue(url.Host, out var target), $"{key} names unknown Service {url.Host}");
                    Assert.Contains(List(Map(target["spec"])["ports"]), p => Map(p)["port"] as string == url.Port.ToString());
                }
            }

            foreach (var probe in new[] { "livenessProbe", "readinessProbe" })
            {
                if (container.TryGetValue(probe, out var definition) && Map(definition).TryGetValue("httpGet", out var httpGet))
                {
                    Assert.Contains((string)Map(httpGet)["port"]!, portNames);
                }
            }
        }

        var jobs = workloads.Single(w => (string)Map(w["metadata"])["name"]! == "jobtracking");
        Assert.Equal("3", Map(jobs["spec"])["replicas"]);
        var jobsContainer = Map(List(Map(Map(Map(jobs["spec"])["template"])["spec"])["containers"]).Single());
        Assert.Equal("/alive", Map(Map(jobsContainer["livenessProbe"])["httpGet"])["path"]);
        Assert.Equal("/health", Map(Map(jobsContainer["readinessProbe"])["httpGet"])["path"]);
        Assert.Contains("Host=postgres;Port=5432;", (string)Map(secret["stringData"])["ConnectionStrings__jobs"]!, StringComparison.Ordinal);
        Assert.Equal("LoadBalancer", Map(kubernetesServices["gateway"]["spec"])["type"]);
        Assert.Equal("StatefulSet", (string)workloads.Single(w => (string)Map(w["metadata"])["name"]! == "postgres")["kind"]!);
        Assert.True(File.Exists(Path.Combine(_output, "dockerfiles/jobtracking.Dockerfile")));
    }

    [Fact]
    public async Task An_unknown_format_is_an_error_not_a_partial_output()
    {
        var builder = DistributedApplication.CreateBuilder(["publish", "--format", "helm", "--output", _output]);
        await using var app = builder.Build();
        var exitCode = Environment.ExitCode;
        try
        {
            await app.RunAsync();
            Assert.Equal(1, Environment.ExitCode);
            Assert.Empty(Directory.EnumerateFileSystemEntries(_output));
        }
        finally
        {
            Environment.ExitCode = exitCode;
        }
    }

    private async Task PublishAsync(string format)
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = ["publish", "--format", format, "--output", _output],
            AppHostDirectory = Path.Combine(TestPaths.RepositoryRoot, "AppHost"),
            ConsoleLogging = false,
        });
        builder.Configuration["FAL_KEY"] = "fal-secret";
        var postgres = builder.AddPostgres("postgres");
        var jobsDb = postgres.AddDatabase("jobs");
        var redis = builder.AddRedis("redis");
        var jobs = builder.AddProject("jobtracking", TestPaths.TestServiceProject)
            .WithReference(jobsDb).WithReference(redis).WaitFor(jobsDb).WaitFor(redis)
            .WithHttpHealthCheck("/health").WithReplicas(3);
        builder.AddProject("gateway", TestPaths.TestServiceProject)
            .WithReference(jobs).WaitFor(jobs)
            .WithExternalHttpEndpoints().WithHttpEndpoint(port: 8080, name: "http")
            .WithProviderSettings();
        builder.AddExecutable("tool", "python3", ".");
        await using var app = builder.Build();
        await app.RunAsync();
    }

    private static Dictionary<string, object?> Load(string path) =>
        Normalize(new DeserializerBuilder().Build().Deserialize<object>(File.ReadAllText(path)));

    private static IEnumerable<Dictionary<string, object?>> LoadAll(string path)
    {
        var parser = new Parser(new StringReader(File.ReadAllText(path)));
        var deserializer = new DeserializerBuilder().Build();
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            yield return Normalize(deserializer.Deserialize<object>(parser));
        }
    }

    private static Dictionary<string, object?> Normalize(object? yaml) => Map(yaml);

    private static Dictionary<string, object?> Map(object? yaml) =>
        yaml is Dictionary<object, object?> map
            ? map.ToDictionary(e => (string)e.Key, e => e.Value)
            : throw new InvalidOperationException($"Expected a mapping, got {yaml?.GetType().Name ?? "null"}.");

    private static List<object?> List(object? yaml) =>
        yaml as List<object?> ?? throw new InvalidOperationException($"Expected a sequence, got {yaml?.GetType().Name ?? "null"}.");

    [GeneratedRegex(@"\$\{([A-Za-z0-9_]+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("Host=([^;]+)")]
    private static partial Regex HostSetting();
}
