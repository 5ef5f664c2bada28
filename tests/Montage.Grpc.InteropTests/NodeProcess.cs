using System.Diagnostics;
using System.Text;

namespace Montage.Grpc.InteropTests;

/// <summary>
/// A Node.js script of tests/interop run as a real child process. Its stdin stays open for its lifetime: the
/// scripts exit when it closes, so a crashed test run leaves no server behind.
/// </summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(Process process)
    {
        _process = process;
    }

    public static string InteropDirectory { get; } = FindInteropDirectory();

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>CPU time the node process has used so far (read from the OS while it runs).</summary>
    public TimeSpan TotalProcessorTime => _process.TotalProcessorTime;

    public static NodeProcess Start(string script, params string[] arguments)
    {
        if (!Directory.Exists(Path.Combine(InteropDirectory, "node_modules", "@grpc", "grpc-js")))
        {
            throw new InvalidOperationException(
                $"The grpc-js peers are not installed: {Path.Combine(InteropDirectory, "node_modules")} is missing. " +
                "Run ./test.sh (it runs 'npm ci' in tests/interop), or 'npm ci' in tests/interop yourself.");
        }

        var startInfo = new ProcessStartInfo("node")
        {
            WorkingDirectory = InteropDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Path.Combine(InteropDirectory, script));
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var node = new NodeProcess(process);
        process.OutputDataReceived += (_, e) => node.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (node._stderr)
                {
                    node._stderr.AppendLine(e.Data);
                }
            }
        };
        process.Exited += (_, _) => node._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits for a server script's "LISTENING &lt;port&gt;" line and returns the port.</summary>
    public async Task<int> WaitForPortAsync(TimeSpan timeout)
    {
        var line = await WaitForFirstLineAsync(timeout).ConfigureAwait(false);
        const string prefix = "LISTENING ";
        if (!line.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Unexpected first line from the node server: '{line}'. stderr:\n{StandardError}");
        }

        return int.Parse(line.AsSpan(prefix.Length), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits for the first line the script prints on stdout.</summary>
    public async Task<string> WaitForFirstLineAsync(TimeSpan timeout)
    {
        var ready = await Task.WhenAny(_firstLine.Task, _exited.Task, Task.Delay(timeout)).ConfigureAwait(false);
        if (ready != _firstLine.Task)
        {
            throw new InvalidOperationException($"The node script printed nothing within {timeout}. stderr:\n{StandardError}");
        }

        return await _firstLine.Task.ConfigureAwait(false);
    }

    /// <summary>Waits for a client script to exit and returns everything it printed on stdout.</summary>
    public async Task<string> WaitForExitAsync(TimeSpan timeout)
    {
        if (await Task.WhenAny(_exited.Task, Task.Delay(timeout)).ConfigureAwait(false) != _exited.Task)
        {
            throw new TimeoutException($"The node script did not finish within {timeout}. stderr:\n{StandardError}");
        }

        // Exited fires before the last redirected lines are delivered; this wait drains them.
        await _process.WaitForExitAsync().ConfigureAwait(false);
        return StandardOutput;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                if (await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false) != _exited.Task)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static string FindInteropDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "interop");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"No tests/interop/package.json above {AppContext.BaseDirectory}: cannot find the repository root.");
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stdout)
        {
            _stdout.AppendLine(line);
        }

        _firstLine.TrySetResult(line);
    }
}
