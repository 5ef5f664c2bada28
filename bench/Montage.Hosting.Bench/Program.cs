// Measures, in one run on one machine:
//   1. time until Postgres (with 3 databases) and Redis are healthy, started by Montage.Hosting, cold (initdb) and warm;
//   2. the peer: the same servers started by hand (initdb + pg_ctl start -w + redis-server, PING), cold and warm;
//   3. CPU used by an idle AppHost process (the built AppHost, dashboard on) over 30 s, from /proc/<pid>/stat.
// Usage: dotnet run -c Release --project bench/Montage.Hosting.Bench [-- --rounds N]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Montage.Hosting;

var rounds = args.Length == 2 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var isRoot = Environment.UserName == "root";
var pgBin = Prerequisites.PostgresBinDirectory() ?? throw new InvalidOperationException("postgresql is not installed");

var montageCold = new List<double>();
var montageWarm = new List<double>();
var peerCold = new List<double>();
var peerWarm = new List<double>();
for (var round = 0; round < rounds; round++)
{
    var dataDirectory = NewDirectory("montage-bench-");
    montageCold.Add(await MontageStartAsync(dataDirectory));
    montageWarm.Add(await MontageStartAsync(dataDirectory));
    Directory.Delete(dataDirectory, recursive: true);

    var peerDirectory = NewDirectory("montage-peer-");
    peerCold.Add(await PeerStartAsync(peerDirectory, initialize: true));
    peerWarm.Add(await PeerStartAsync(peerDirectory, initialize: false));
    Directory.Delete(peerDirectory, recursive: true);
}

Console.WriteLine($"time to healthy, Postgres (3 databases) + Redis, median of {rounds} rounds");
Console.WriteLine($"  cold (initdb)  Montage.Hosting {Median(montageCold):F2} s   by hand {Median(peerCold):F2} s   ratio {Median(montageCold) / Median(peerCold):F2}");
Console.WriteLine($"  warm           Montage.Hosting {Median(montageWarm):F2} s   by hand {Median(peerWarm):F2} s   ratio {Median(montageWarm) / Median(peerWarm):F2}");

var (cpu, toHealthy) = await AppHostIdleCpuAsync(TimeSpan.FromSeconds(30));
Console.WriteLine($"built AppHost process (dashboard on): healthy after {toHealthy:F2} s; idle CPU over 30 s: {cpu:F2} % of one core");
return;

async Task<double> MontageStartAsync(string dataDirectory)
{
    var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
    {
        DataDirectory = dataDirectory,
        DisableDashboard = true,
        RandomizePorts = true,
        ConsoleLogging = false,
    });
    var postgres = builder.AddPostgres("postgres");
    postgres.AddDatabase("jobs");
    postgres.AddDatabase("assets");
    postgres.AddDatabase("gateway");
    builder.AddRedis("redis");
    await using var app = builder.Build();
    var clock = Stopwatch.StartNew();
    await app.StartAsync();
    using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
    foreach (var resource in app.Resources)
    {
        await app.ResourceNotifications.WaitForResourceHealthyAsync(resource.Name, timeout.Token);
    }

    return clock.Elapsed.TotalSeconds;
}

async Task<double> PeerStartAsync(string directory, bool initialize)
{
    var cluster = Path.Combine(directory, "pg");
    var pgPort = FreePort();
    var redisPort = FreePort();
    var clock = Stopwatch.StartNew();
    if (initialize)
    {
        Directory.CreateDirectory(cluster);
        Run("chown", "-R", "postgres:postgres", directory);
        RunAsPostgres(Path.Combine(pgBin, "initdb"), "-D", cluster, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-instructions");
    }

    RunAsPostgres(Path.Combine(pgBin, "pg_ctl"), "start", "-w", "-D", cluster, "-l", Path.Combine(directory, "pg.log"),
        "-o", $"-p {pgPort} -c listen_addresses=127.0.0.1 -k {cluster}");
    using var redis = Process.Start(new ProcessStartInfo("redis-server",
        ["--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory, "--appendonly", "yes", "--save", ""])
    {
        RedirectStandardOutput = true,
    })!;
    redis.BeginOutputReadLine();
    while (!await PingAsync(redisPort))
    {
        await Task.Delay(20);
    }

    if (initialize)
    {
        foreach (var database in new[] { "jobs", "assets", "gateway" })
        {
            RunAsPostgres(Path.Combine(pgBin, "createdb"), "-h", "127.0.0.1", "-p", pgPort.ToString(CultureInfo.InvariantCulture), "-U", "postgres", database);
        }
    }

    var elapsed = clock.Elapsed.TotalSeconds;
    RunAsPostgres(Path.Combine(pgBin, "pg_ctl"), "stop", "-w", "-m", "fast", "-D", cluster);
    redis.Kill();
    await redis.WaitForExitAsync();
    return elapsed;
}

async Task<(double CpuPercent, double ToHealthy)> AppHostIdleCpuAsync(TimeSpan window)
{
    var root = FindRepositoryRoot();
    var assembly = new[] { "Release", "Debug" }
        .Select(c => Path.Combine(root, "AppHost/bin", c, "net10.0/Montage.AppHost.dll"))
        .First(File.Exists);
    var dataDirectory = NewDirectory("montage-idle-");
    var start = new ProcessStartInfo("dotnet",
        [assembly, "--data-dir", dataDirectory, "--Montage:Dashboard:Url=http://127.0.0.1:0", "--Montage:Dashboard:OtlpUrl=http://127.0.0.1:0"])
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    var clock = Stopwatch.StartNew();
    using var appHost = Process.Start(start)!;
    var healthy = new TaskCompletionSource();
    var output = new StringBuilder();
    appHost.OutputDataReceived += (_, e) =>
    {
        if (e.Data is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(e.Data);
        }

        if (e.Data.Contains("resources are healthy", StringComparison.Ordinal))
        {
            healthy.TrySetResult();
        }
    };
    appHost.ErrorDataReceived += (_, _) => { };
    appHost.BeginOutputReadLine();
    appHost.BeginErrorReadLine();
    await healthy.Task.WaitAsync(TimeSpan.FromMinutes(3));
    var toHealthy = clock.Elapsed.TotalSeconds;

    await Task.Delay(TimeSpan.FromSeconds(5)); // let start-up work (JIT, first probes) settle
    var before = CpuTicks(appHost.Id);
    var wall = Stopwatch.StartNew();
    await Task.Delay(window);
    var after = CpuTicks(appHost.Id);
    var seconds = wall.Elapsed.TotalSeconds;

    appHost.Kill(); // the parent-death signal stops its servers
    await appHost.WaitForExitAsync();
    await Task.Delay(2000);
    Directory.Delete(dataDirectory, recursive: true);
    const double ticksPerSecond = 100; // USER_HZ on Linux
    return ((after - before) / ticksPerSecond / seconds * 100, toHealthy);
}

static long CpuTicks(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime + stime
}

void RunAsPostgres(string command, params string[] arguments)
{
    if (isRoot)
    {
        Run("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", command, .. arguments]);
    }
    else
    {
        Run(command, arguments);
    }
}

static void Run(string command, params string[] arguments)
{
    using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    process.StandardOutput.ReadToEnd();
    var errors = process.StandardError.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{command} failed: {errors}");
    }
}

static async Task<bool> PingAsync(int port)
{
    try
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await client.GetStream().WriteAsync("PING\r\n"u8.ToArray());
        var buffer = new byte[16];
        var read = await client.GetStream().ReadAsync(buffer);
        return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
    }
    catch (SocketException)
    {
        return false;
    }
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static string NewDirectory(string prefix)
{
    var path = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..8]);
    Directory.CreateDirectory(path);
    return path;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static string FindRepositoryRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "Aspire.sln")))
        {
            return directory.FullName;
        }
    }

    throw new InvalidOperationException("Run from inside the repository.");
}
