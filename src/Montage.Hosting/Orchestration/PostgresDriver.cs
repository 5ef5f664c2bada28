using System.Globalization;
using System.Security.Cryptography;
using Montage.Hosting.ApplicationModel;
using Npgsql;

namespace Montage.Hosting.Orchestration;

/// <summary>
/// initdb on first run into <c>&lt;data dir&gt;/&lt;name&gt;</c>, then <c>postgres</c> on its port with the unix socket in
/// the data directory. Postgres refuses to run as root, so as root both run as the <c>postgres</c> system user.
/// </summary>
internal sealed class PostgresDriver : ResourceDriver
{
    public override bool HasHealthCheck(IResource resource) => true;

    public static string ServerDirectory(OrchestratorSettings settings, IResource resource) => Path.Combine(settings.DataDirectory, resource.Name);

    public override void Initialize(IResource resource, RunValueContext values, OrchestratorSettings settings)
    {
        // The password is chosen once, at initdb time, and kept next to (not inside) the cluster directory.
        var file = Path.Combine(settings.DataDirectory, $"{resource.Name}.password");
        if (!File.Exists(file))
        {
            File.WriteAllText(file, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        values.SetPassword(resource, File.ReadAllText(file).Trim());
    }

    public override async Task<LaunchSpec> PrepareAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var bin = Prerequisites.PostgresBinDirectory()
            ?? Path.GetDirectoryName(Prerequisites.Locate("postgres"))
            ?? throw new ResourceStartException("postgres not found: install the Debian package 'postgresql'.");
        var directory = ServerDirectory(context.Settings, context.Resource);
        var user = NativeMethods.IsRoot ? PostgresServerResource.UserName : null;
        if (!File.Exists(Path.Combine(directory, "PG_VERSION")))
        {
            await InitializeClusterAsync(context, bin, directory, user, cancellationToken).ConfigureAwait(false);
        }

        if (user is not null)
        {
            await ChownAsync(context, user, directory, recursive: false, cancellationToken).ConfigureAwait(false);
        }

        var endpoint = context.Resource.Annotations.OfType<EndpointAnnotation>().First();
        var spec = new LaunchSpec(Path.Combine(bin, "postgres"), [
            "-D", directory,
            "-p", context.Port(endpoint.Name).ToString(CultureInfo.InvariantCulture),
            "-c", $"listen_addresses={context.BindAddress(endpoint)}",
            "-c", $"unix_socket_directories={directory}",
        ], directory)
        {
            Environment = BaseEnvironment(context),
            RunAsUser = user,
            // Smart shutdown lets sessions finish; fast shutdown if they do not; SIGKILL as the last resort.
            StopSequence = [new(NativeMethods.SIGTERM, TimeSpan.FromSeconds(3)), new(NativeMethods.SIGINT, TimeSpan.FromSeconds(10))],
        };
        return WithInheritanceRules(spec);
    }

    /// <summary>The probe's pooled session would hold a smart shutdown open.</summary>
    public override void BeforeStop(InstanceContext context) => NpgsqlConnection.ClearPool(new NpgsqlConnection(ProbeConnectionString(context)));

    public override async Task<bool> CheckHealthAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ProbeConnectionString(context));
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is 1;
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // After a server restart the pooled connection is dead; start the next probe from a fresh one.
            NpgsqlConnection.ClearPool(connection);
            return false;
        }
    }

    // A pooled connection: the probe runs every few seconds, and a fresh SCRAM login each time costs the AppHost CPU.
    private static string ProbeConnectionString(InstanceContext context) =>
        new NpgsqlConnectionStringBuilder(((PostgresServerResource)context.Resource).GetConnectionString(context.Values))
        {
            Timeout = 3,
            Database = "postgres",
            ApplicationName = "montage-apphost-health",
            MaxPoolSize = 1,
        }.ConnectionString;

    /// <summary>Creates the database if it does not exist yet (idempotent: runs on every start).</summary>
    public static async Task EnsureDatabaseAsync(PostgresDatabaseResource database, RunValueContext values, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(database.Server.GetConnectionString(values))
        {
            Timeout = 5,
            Pooling = false,
            Database = "postgres",
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.AddWithValue(database.DatabaseName);
        if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            var quoted = "\"" + database.DatabaseName.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task InitializeClusterAsync(
        InstanceContext context, string bin, string directory, string? user, CancellationToken cancellationToken)
    {
        // A directory without PG_VERSION is a half-finished initdb; initdb needs it empty.
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        var passwordFile = Path.Combine(context.Settings.DataDirectory, $".{context.Resource.Name}.initdb-password");
        await File.WriteAllTextAsync(passwordFile, context.Values.Password(context.Resource), cancellationToken).ConfigureAwait(false);
        try
        {
            if (user is not null)
            {
                await ChownAsync(context, user, directory, recursive: true, cancellationToken).ConfigureAwait(false);
                await ChownAsync(context, user, passwordFile, recursive: false, cancellationToken).ConfigureAwait(false);
            }

            context.Log(LogSource.Host, $"Initialising a new PostgreSQL cluster in {directory}");
            var initdb = new LaunchSpec(Path.Combine(bin, "initdb"), [
                "-D", directory,
                "-U", PostgresServerResource.UserName,
                "--auth=scram-sha-256",
                $"--pwfile={passwordFile}",
                "-E", "UTF8",
                "--locale=C",
                "--no-instructions",
            ], context.Settings.DataDirectory) { RunAsUser = user };
            var exitCode = await ProcessLauncher.RunAsync(initdb, context.Log, cancellationToken).ConfigureAwait(false);
            if (exitCode != 0)
            {
                throw new ResourceStartException($"initdb failed with exit code {exitCode}; see the console log of '{context.Resource.Name}'.");
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private static async Task ChownAsync(InstanceContext context, string user, string path, bool recursive, CancellationToken cancellationToken)
    {
        string[] arguments = recursive ? ["-R", $"{user}:{user}", path] : [$"{user}:{user}", path];
        var chown = new LaunchSpec(Prerequisites.Locate("chown") ?? "chown", arguments, context.Settings.DataDirectory);
        if (await ProcessLauncher.RunAsync(chown, context.Log, cancellationToken).ConfigureAwait(false) != 0)
        {
            throw new ResourceStartException($"Could not give {path} to the '{user}' user.");
        }
    }
}
