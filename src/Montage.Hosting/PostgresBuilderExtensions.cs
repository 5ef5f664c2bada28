using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting;

public static class PostgresBuilderExtensions
{
    /// <summary>A PostgreSQL server: initdb into <c>&lt;data dir&gt;/&lt;name&gt;</c> on first run, Npgsql connection strings.</summary>
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var postgres = new PostgresServerResource(name);
        postgres.Annotations.Add(new EndpointAnnotation(PostgresServerResource.PrimaryEndpointName, EndpointProtocol.Tcp, port, 5432));
        postgres.Annotations.Add(new RequiredCommandAnnotation("postgres", "postgresql"));
        return builder.AddResource(postgres);
    }

    /// <summary>A database created in the server once the server is healthy.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        var database = new PostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        server.Resource.AddDatabase(database);
        return server.ApplicationBuilder.AddResource(database);
    }
}

public static class RedisBuilderExtensions
{
    /// <summary>A redis-server with AOF persistence in <c>&lt;data dir&gt;/&lt;name&gt;</c>.</summary>
    public static IResourceBuilder<RedisResource> AddRedis(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var redis = new RedisResource(name);
        redis.Annotations.Add(new EndpointAnnotation(RedisResource.PrimaryEndpointName, EndpointProtocol.Tcp, port, 6379));
        redis.Annotations.Add(new RequiredCommandAnnotation("redis-server", "redis-server"));
        return builder.AddResource(redis);
    }
}

public static class ProjectResourceBuilderExtensions
{
    /// <summary>
    /// A .NET service: runs <c>dotnet &lt;built dll&gt;</c> (building once if the output is missing) with an <c>http</c>
    /// endpoint (HTTP/1.1) and a <c>grpc</c> endpoint (h2c), passed to Kestrel as <c>Kestrel__Endpoints__*</c>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddProject(this IDistributedApplicationBuilder builder, string name, string projectPath)
    {
        var fullPath = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, projectPath));
        var project = new ProjectResource(name, fullPath);
        project.Annotations.Add(new EndpointAnnotation("http", EndpointProtocol.Http1, null, 8080));
        project.Annotations.Add(new EndpointAnnotation("grpc", EndpointProtocol.Http2, null, 8081));
        project.Annotations.Add(new RequiredCommandAnnotation("dotnet", "dotnet-sdk-10.0"));
        return builder.AddResource(project);
    }

    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject(name, new TProject().ProjectPath);

    /// <summary>Any program, e.g. <c>AddExecutable("web", "python3", ".", "-m", "http.server")</c>.</summary>
    public static IResourceBuilder<ExecutableResource> AddExecutable(
        this IDistributedApplicationBuilder builder, string name, string command, string workingDirectory, params string[] args)
    {
        var executable = new ExecutableResource(name, command, Path.GetFullPath(Path.Combine(builder.AppHostDirectory, workingDirectory)));
        if (args.Length > 0)
        {
            executable.Annotations.Add(new CommandLineArgsAnnotation(_ => args));
        }

        return builder.AddResource(executable);
    }
}
