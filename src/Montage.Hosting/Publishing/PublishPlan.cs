using System.Text;
using Microsoft.Extensions.Configuration;
using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Publishing;

/// <summary>The model resolved for one publish target: what becomes a server, what becomes a service.</summary>
internal sealed class PublishPlan
{
    public const string PostgresImage = "postgres:15";
    public const string RedisImage = "redis:7";

    public required PublishValueContext Values { get; init; }

    public required string RepositoryRoot { get; init; }

    public required IReadOnlyList<PostgresServerResource> Postgres { get; init; }

    public required IReadOnlyList<RedisResource> Redis { get; init; }

    public required IReadOnlyList<PublishedService> Services { get; init; }

    /// <summary>Current values of the provider settings (environment variable names), for .env and the Secret.</summary>
    public required IReadOnlyDictionary<string, string> ProviderSettings { get; init; }

    public bool IsServer(string name) => Postgres.Any(p => p.Name == name) || Redis.Any(r => r.Name == name);

    public static PublishPlan Create(PublishTarget target, IReadOnlyList<IResource> resources, IConfiguration configuration, string appHostDirectory)
    {
        var values = new PublishValueContext(target);
        var ordered = DependencyGraph.TopologicalOrder(resources);
        return new PublishPlan
        {
            Values = values,
            RepositoryRoot = FindRepositoryRoot(appHostDirectory),
            Postgres = [.. ordered.OfType<PostgresServerResource>()],
            Redis = [.. ordered.OfType<RedisResource>()],
            Services = [.. ordered.OfType<ProjectResource>().Select(p => PublishedService.From(p, values))],
            ProviderSettings = ProviderSettingsExtensions.Collect(configuration).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        };
    }

    public static string CreateDatabasesSql(PostgresServerResource postgres)
    {
        var sql = new StringBuilder("-- Databases of the Montage model, created on the server's first start.\n");
        foreach (var database in postgres.Databases)
        {
            sql.Append("CREATE DATABASE \"").Append(database.DatabaseName.Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\";\n");
        }

        return sql.ToString();
    }

    private static string FindRepositoryRoot(string appHostDirectory)
    {
        for (var directory = new DirectoryInfo(appHostDirectory); directory is not null; directory = directory.Parent)
        {
            if (directory.EnumerateFiles("*.sln").Any() || directory.EnumerateFiles("*.slnx").Any())
            {
                return directory.FullName;
            }
        }

        return Path.GetDirectoryName(appHostDirectory) ?? appHostDirectory;
    }
}
