using System.Net.Sockets;
using System.Net;
using System.Text.Json;
using System.Text;
using Montage.Hosting.ApplicationModel;
using Montage.Hosting.Testing;
using Montage.Hosting.Tests.Support;
using Npgsql;

namespace Montage.Hosting.Tests;

[Collection(HostingCollection.Name)]
public sealed class HostingFunctionalTests(HostingFixture fixture)
{
    private DistributedApplication App => fixture.App;

    [Fact]
    public async Task Postgres_database_connection_string_reaches_a_real_server()
    {
        var connectionString = await App.GetConnectionStringAsync("jobs");
        Assert.Contains("Database=jobs", connectionString, StringComparison.Ordinal);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS probe (id int primary key, note text)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var insert = new NpgsqlCommand("INSERT INTO probe VALUES (1, 'hello') ON CONFLICT (id) DO UPDATE SET note = 'hello'", connection))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await using var select = new NpgsqlCommand("SELECT current_database() || ':' || note FROM probe WHERE id = 1", connection);
        Assert.Equal("jobs:hello", await select.ExecuteScalarAsync());
    }

    [Fact]
    public void Postgres_keeps_its_cluster_and_socket_in_the_data_directory()
    {
        var cluster = Path.Combine(App.DataDirectory, "postgres");
        Assert.True(File.Exists(Path.Combine(cluster, "PG_VERSION")));
        var port = App.GetEndpoint("postgres", "tcp").Port;
        Assert.True(File.Exists(Path.Combine(cluster, $".s.PGSQL.{port}")), "unix socket in the data directory");
    }

    [Fact]
    public async Task Redis_answers_on_its_connection_string_and_persists_with_aof()
    {
        var connectionString = await App.GetConnectionStringAsync("redis");
        var (host, port) = (connectionString.Split(':')[0], int.Parse(connectionString.Split(':')[1]));
        using var client = new TcpClient();
        await client.ConnectAsync(host, port);
        var stream = client.GetStream();
        await stream.WriteAsync("SET probe hello\r\nGET probe\r\nCONFIG GET appendonly\r\n"u8.ToArray());
        var reply = await ReadUntilAsync(stream, "yes");
        Assert.Contains("+OK", reply, StringComparison.Ordinal);
        Assert.Contains("hello", reply, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(App.DataDirectory, "redis", "appendonlydir")));
    }

    [Fact]
    public async Task WaitFor_holds_a_resource_until_its_dependencies_are_healthy()
    {
        var web = fixture.HistoryOf("web");
        var firstStarting = web.First(s => s.State == KnownResourceState.Starting).Timestamp;
        Assert.Contains(web, s => s.State == KnownResourceState.Waiting);
        foreach (var dependency in new[] { "jobs", "redis", "backend" })
        {
            var healthy = fixture.HistoryOf(dependency).First(s => s.State == KnownResourceState.Healthy).Timestamp;
            Assert.True(healthy <= firstStarting, $"web started at {firstStarting:O}, before {dependency} was healthy at {healthy:O}");
        }

        Assert.Equal(KnownResourceState.Healthy, (await App.WaitForHealthyAsync("web")).State);
    }

    [Fact]
    public async Task WithReference_injects_connection_strings_and_service_discovery_for_every_replica()
    {
        var environment = await EnvironmentOf("web");

        Assert.Equal(App.GetConnectionString("jobs"), environment["ConnectionStrings__jobs"]);
        Assert.Equal(App.GetConnectionString("redis"), environment["ConnectionStrings__redis"]);
        Assert.Equal("hello", environment["GREETING"]);
        var replica0 = environment["services__backend__http__0"];
        var replica1 = environment["services__backend__http__1"];
        Assert.NotEqual(replica0, replica1);
        using var http = new HttpClient();
        Assert.Equal("ok", await http.GetStringAsync(replica0 + "/health"));
        Assert.Equal("ok", await http.GetStringAsync(replica1 + "/health"));
    }

    [Fact]
    public async Task Every_process_gets_telemetry_settings_with_its_own_instance_id()
    {
        var replica0 = await EnvironmentOf("backend", 0);
        var replica1 = await EnvironmentOf("backend", 1);
        Assert.Equal("backend", replica0["OTEL_SERVICE_NAME"]);
        Assert.StartsWith("service.instance.id=backend-0-", replica0["OTEL_RESOURCE_ATTRIBUTES"], StringComparison.Ordinal);
        Assert.StartsWith("service.instance.id=backend-1-", replica1["OTEL_RESOURCE_ATTRIBUTES"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Provider_settings_reach_only_the_services_that_ask_for_them()
    {
        var web = await EnvironmentOf("web");
        var backend = await EnvironmentOf("backend");

        Assert.Equal(HostingFixture.FalKeyFromConfiguration, web["FAL_KEY"]);
        Assert.Equal(HostingFixture.KieKeyFromEnvironment, web["KIE_API_KEY"]);
        Assert.Equal("http://fal.invalid", web["Providers__Fal__BaseUrl"]);
        Assert.False(backend.ContainsKey("KIE_API_KEY"), "inherited provider keys are stripped from services without WithProviderSettings()");
        Assert.False(backend.ContainsKey("FAL_KEY"));
    }

    [Fact]
    public async Task Project_resource_serves_http1_and_h2c_endpoints_from_kestrel_configuration()
    {
        using var http = App.CreateHttpClient("service");
        Assert.Equal("HTTP/1.1", await http.GetStringAsync("/protocol"));
        Assert.NotEqual(8080, http.BaseAddress!.Port); // the harness replaces fixed ports with free ones

        using var grpc = App.CreateHttpClient("service", "grpc");
        using var response = await grpc.GetAsync("/protocol");
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("HTTP/2", await response.Content.ReadAsStringAsync());

        Assert.Equal(App.GetConnectionString("jobs"), await http.GetStringAsync("/env/ConnectionStrings__jobs"));
        Assert.Equal("Development", await http.GetStringAsync("/env/ASPNETCORE_ENVIRONMENT"));
    }

    [Fact]
    public async Task A_crashing_process_is_restarted_with_its_exit_code_visible()
    {
        await App.WaitForAsync("crasher", s => s.Instances.Any(i => i.RestartCount >= 1) && s.State is KnownResourceState.Running or KnownResourceState.Healthy);
        var states = fixture.HistoryOf("crasher").Select(s => (s.State, s.ExitCode)).ToList();
        var exited = states.FindIndex(s => s is { State: KnownResourceState.Exited, ExitCode: 3 });
        Assert.True(exited >= 0, string.Join(", ", states));
        var restarting = states.FindIndex(exited, s => s.State == KnownResourceState.Restarting);
        Assert.True(restarting > exited, string.Join(", ", states));
        Assert.True(states.FindIndex(restarting, s => s.State is KnownResourceState.Running or KnownResourceState.Healthy) > restarting, string.Join(", ", states));
        Assert.Contains("about to crash", App.GetLogText("crasher"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KillAsync_is_a_crash_the_supervisor_recovers_from()
    {
        var before = App.GetProcessIds("victim").Single();
        var killed = await App.KillAsync("victim");
        Assert.Equal([before], killed);
        Assert.False(ProcessTable.IsAlive(before));

        var healthy = await App.WaitForAsync("victim", s => s.State == KnownResourceState.Healthy && s.Instances[0].ProcessId != before);
        Assert.Equal(1, healthy.Instances[0].RestartCount);
        Assert.Contains(fixture.HistoryOf("victim"), s => s.State == KnownResourceState.Restarting && s.Instances[0].ExitCode == 137);
        using var http = App.CreateHttpClient("victim");
        Assert.Equal("ok", await http.GetStringAsync("/health"));
    }

    [Fact]
    public async Task Stop_start_and_restart_commands_change_the_process()
    {
        var first = App.GetProcessIds("stoppable").Single();
        await App.StopResourceAsync("stoppable");
        Assert.Equal(KnownResourceState.Stopped, App.ResourceNotifications.TryGetSnapshot("stoppable")!.State);
        Assert.False(ProcessTable.IsAlive(first));

        await App.StartResourceAsync("stoppable");
        await App.WaitForHealthyAsync("stoppable");
        var second = App.GetProcessIds("stoppable").Single();
        Assert.NotEqual(first, second);

        await App.RestartAsync("stoppable");
        await App.WaitForHealthyAsync("stoppable");
        Assert.False(ProcessTable.IsAlive(second));
        Assert.NotEqual(second, App.GetProcessIds("stoppable").Single());
    }

    [Fact]
    public async Task Console_output_is_captured_and_streamed_live()
    {
        Assert.Contains(App.GetLogs("web"), l => l.Text.StartsWith("listening on", StringComparison.Ordinal) && l.Source == LogSource.StandardOutput);

        using var cancellation = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var backlog = App.GetLogs("web").Count;
        var served = Task.Run(async () =>
        {
            var seen = 0;
            await foreach (var line in App.ResourceLogs.WatchAsync("web", cancellation.Token))
            {
                if (++seen > backlog && line.Text == "served /env")
                {
                    return line;
                }
            }

            return null;
        });
        using var http = App.CreateHttpClient("web");
        while (!served.IsCompleted)
        {
            await http.GetStringAsync("/env");
            await Task.WhenAny(served, Task.Delay(200));
        }

        Assert.Equal("web", (await served)!.InstanceId);
    }

    [Fact]
    public void Snapshots_list_dependencies_urls_and_types()
    {
        var web = App.ResourceNotifications.TryGetSnapshot("web")!;
        Assert.Equal("Executable", web.ResourceType);
        Assert.Equal(["jobs", "redis", "backend"], web.DependsOn);
        Assert.Single(web.Urls);
        Assert.Equal("PostgresDatabase", App.ResourceNotifications.TryGetSnapshot("jobs")!.ResourceType);
        Assert.Equal(2, App.ResourceNotifications.TryGetSnapshot("backend")!.Instances.Count);
    }

    private async Task<Dictionary<string, string>> EnvironmentOf(string resource, int replica = 0)
    {
        using var http = App.CreateHttpClient(resource, replica: replica);
        var json = await http.GetStringAsync("/env");
        return JsonSerializer.Deserialize<Dictionary<string, string>>(json)!;
    }

    private static async Task<string> ReadUntilAsync(NetworkStream stream, string marker)
    {
        var text = new StringBuilder();
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!text.ToString().Contains(marker, StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return text.ToString();
    }
}
