using System.Diagnostics;
using System.Text;
using Montage.Hosting.Testing;
using Montage.Hosting.Tests.Support;
using Npgsql;

namespace Montage.Hosting.Tests;

/// <summary>The real AppHost topology (Program.BuildModel) through the harness.</summary>
public sealed class AppHostModelSystemTests
{
    [Fact]
    public async Task The_apphost_model_comes_up_healthy_with_its_services_and_databases()
    {
        await using var app = await DistributedApplicationTestingBuilder.CreateAsync(Program.BuildModel);
        await app.WaitForAllHealthyAsync(TimeSpan.FromMinutes(3));

        foreach (var database in new[] { "jobs", "assets", "gateway" })
        {
            await using var connection = new NpgsqlConnection(app.GetConnectionString(database + "-db"));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT current_database()", connection);
            Assert.Equal(database, await command.ExecuteScalarAsync());
        }
    }
}

/// <summary>The built AppHost as a process: what a user gets from ./run.sh.</summary>
public sealed class AppHostProcessSystemTests
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan CleanupDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SIGKILL_of_the_apphost_leaves_no_server_behind()
    {
        var dataDirectory = TestPaths.NewTempDirectory("montage-apphost-");
        try
        {
            using var appHost = await StartAppHostAsync(dataDirectory);
            var servers = ProcessTable.Under(dataDirectory);
            Assert.Contains(servers, p => p.CommandLine.Contains("postgres -D", StringComparison.Ordinal));
            Assert.Contains(servers, p => p.CommandLine.Contains("redis-server", StringComparison.Ordinal));

            appHost.Process.Kill(); // SIGKILL: no chance to clean up; the parent-death signal must do it.

            var left = await ProcessTable.WaitUntilNoneUnderAsync(dataDirectory, CleanupDeadline);
            Assert.True(left.Count == 0, "still running: " + string.Join("; ", left.Select(p => $"{p.Pid} {p.CommandLine}")));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task SIGTERM_stops_everything_gracefully()
    {
        var dataDirectory = TestPaths.NewTempDirectory("montage-apphost-");
        try
        {
            using var appHost = await StartAppHostAsync(dataDirectory);
            Assert.NotEmpty(ProcessTable.Under(dataDirectory));

            Assert.True(Orchestration.NativeMethods.Signal(appHost.Process.Id, Orchestration.NativeMethods.SIGTERM));
            using var exit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await appHost.Process.WaitForExitAsync(exit.Token);

            Assert.Equal(0, appHost.Process.ExitCode);
            Assert.Empty(ProcessTable.Under(dataDirectory));
            Assert.Contains("postgres: Stopped", appHost.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_server_binary_is_a_one_line_error_naming_the_debian_package()
    {
        var dataDirectory = TestPaths.NewTempDirectory("montage-apphost-");
        try
        {
            // No /usr/bin on PATH: redis-server (and util-linux's setpriv) cannot be found.
            using var appHost = AppHostProcess.Start(dataDirectory, path: "/nonexistent");
            using var exit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await appHost.Process.WaitForExitAsync(exit.Token);

            Assert.Equal(1, appHost.Process.ExitCode);
            var error = appHost.Errors.Trim();
            Assert.DoesNotContain('\n', error);
            Assert.Contains("'redis-server'", error, StringComparison.Ordinal);
            Assert.Contains("sudo apt-get install redis-server", error, StringComparison.Ordinal);
            Assert.Empty(ProcessTable.Under(dataDirectory));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static async Task<AppHostProcess> StartAppHostAsync(string dataDirectory)
    {
        var appHost = AppHostProcess.Start(dataDirectory);
        var deadline = DateTime.UtcNow + StartDeadline;
        while (!appHost.Output.Contains("resources are healthy", StringComparison.Ordinal))
        {
            if (appHost.Process.HasExited || DateTime.UtcNow > deadline)
            {
                var output = appHost.Output + appHost.Errors;
                appHost.Dispose();
                Assert.Fail("The AppHost did not report healthy resources:\n" + output);
            }

            await Task.Delay(200);
        }

        return appHost;
    }

    private sealed class AppHostProcess : IDisposable
    {
        private readonly StringBuilder _output = new();
        private readonly StringBuilder _errors = new();

        private AppHostProcess(Process process) => Process = process;

        public Process Process { get; }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public string Errors
        {
            get
            {
                lock (_errors)
                {
                    return _errors.ToString();
                }
            }
        }

        public static AppHostProcess Start(string dataDirectory, string? path = null)
        {
            var startInfo = new ProcessStartInfo(Orchestration.ProjectDriver.DotnetHost())
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = dataDirectory,
            };
            startInfo.ArgumentList.Add(TestPaths.AppHostAssembly);
            startInfo.ArgumentList.Add("--data-dir");
            startInfo.ArgumentList.Add(dataDirectory);
            startInfo.ArgumentList.Add("--no-dashboard");
            if (path is not null)
            {
                startInfo.Environment["PATH"] = path;
            }

            var process = new Process { StartInfo = startInfo };
            var appHost = new AppHostProcess(process);
            process.OutputDataReceived += (_, e) => Append(appHost._output, e.Data);
            process.ErrorDataReceived += (_, e) => Append(appHost._errors, e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return appHost;
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
                Process.WaitForExit();
            }

            Process.Dispose();
        }

        private static void Append(StringBuilder target, string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (target)
            {
                target.AppendLine(line);
            }
        }
    }
}
