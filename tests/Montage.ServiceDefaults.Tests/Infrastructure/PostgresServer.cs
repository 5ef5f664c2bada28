using System.Diagnostics;
using Npgsql;

namespace Montage.ServiceDefaults.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL server in a temp directory on a free port. PostgreSQL refuses to run as
/// root, so when the tests run as root it is started as the 'postgres' user through runuser.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"montage-sd-pg-{Guid.NewGuid():N}");
    private Process? _process;
    private string _binDirectory = "";

    public int Port { get; } = ExternalProcess.FreePort();

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=true;Timeout=10";

    private string DataDirectory => Path.Combine(_root, "data");

    private string SocketDirectory => Path.Combine(_root, "sock");

    public async Task InitializeAsync()
    {
        _binDirectory = Path.GetDirectoryName(ExternalProcess.FindExecutable(
            "postgres",
            [.. Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin", "postgres"))
                : []]))!;

        Directory.CreateDirectory(SocketDirectory);
        if (Environment.IsPrivilegedProcess)
        {
            await ExternalProcess.RunAsync("chown", ["-R", "postgres:postgres", _root], TimeSpan.FromSeconds(30));
        }

        await ExternalProcess.RunAsync(
            Command("initdb"),
            [.. Prefix("initdb"), "-D", DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            TimeSpan.FromMinutes(2));

        _process = ExternalProcess.Start(
            Command("postgres"),
            [.. Prefix("postgres"), "-D", DataDirectory, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "-k", SocketDirectory, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"],
            out var output);

        await ExternalProcess.WaitUntilAsync(CanConnectAsync, _process, output, "postgres");
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            // A fast shutdown releases shared memory; the kill below is only the fallback.
            try
            {
                await ExternalProcess.RunAsync(Command("pg_ctl"), [.. Prefix("pg_ctl"), "stop", "-D", DataDirectory, "-m", "fast", "-w"], TimeSpan.FromSeconds(30));
            }
            catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
            {
                // Fall through to the kill.
            }
        }

        ExternalProcess.Stop(_process);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<bool> CanConnectAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private string Command(string tool) => Environment.IsPrivilegedProcess ? "runuser" : Path.Combine(_binDirectory, tool);

    private IEnumerable<string> Prefix(string tool) =>
        Environment.IsPrivilegedProcess ? ["-u", "postgres", "--", Path.Combine(_binDirectory, tool)] : [];
}
