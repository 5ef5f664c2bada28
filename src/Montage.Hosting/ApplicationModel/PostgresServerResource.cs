namespace Montage.Hosting.ApplicationModel;

/// <summary>A PostgreSQL server process with its own data directory (initdb on first run).</summary>
public sealed class PostgresServerResource(string name) : Resource(name), IResourceWithConnectionString, IResourceWithEndpoints, IProcessResource
{
    public const string PrimaryEndpointName = "tcp";

    public const string UserName = "postgres";

    private readonly List<PostgresDatabaseResource> _databases = [];

    public IReadOnlyList<PostgresDatabaseResource> Databases => _databases;

    internal void AddDatabase(PostgresDatabaseResource database) => _databases.Add(database);

    public string GetConnectionString(ValueContext context) =>
        $"Host={context.Host(this)};Port={context.Port(this, PrimaryEndpointName, 0)};Username={UserName};Password={context.Password(this)}";
}

/// <summary>A database created in its server once the server is healthy.</summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent, IResourceWithWaitSupport
{
    public string DatabaseName { get; } = databaseName;

    public PostgresServerResource Server { get; } = parent;

    IResource IResourceWithParent.Parent => Server;

    public string GetConnectionString(ValueContext context) => $"{Server.GetConnectionString(context)};Database={DatabaseName}";
}
