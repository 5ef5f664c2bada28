using System.Collections.Concurrent;
using System.Diagnostics;
using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Orchestration;

/// <summary>
/// Starts child processes so that none outlives the AppHost, even one killed with SIGKILL: each child runs under
/// <c>setpriv --pdeathsig SIGKILL</c>, and in its own session (<c>setsid</c>) so that a terminal's Ctrl+C reaches only
/// the AppHost, which then stops the children in reverse dependency order.
/// </summary>
/// <remarks>
/// The kernel sends the parent-death signal when the <em>thread</em> that forked the child exits, and .NET forks on the
/// calling thread. Thread-pool threads retire when idle, so every fork happens on one dedicated thread that lives as
/// long as the process.
/// </remarks>
internal static class ProcessLauncher
{
    private static readonly BlockingCollection<Action> Requests = [];

    static ProcessLauncher()
    {
        var thread = new Thread(() =>
        {
            foreach (var request in Requests.GetConsumingEnumerable())
            {
                request();
            }
        })
        {
            IsBackground = true,
            Name = "Montage process launcher",
        };
        thread.Start();
    }

    public static Task<ChildProcess> StartAsync(LaunchSpec spec, Action<LogSource, string> onOutput)
    {
        var started = new TaskCompletionSource<ChildProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
        var startInfo = CreateStartInfo(spec);
        Requests.Add(() =>
        {
            try
            {
                started.SetResult(ChildProcess.Start(startInfo, onOutput));
            }
            catch (Exception exception)
            {
                started.SetException(exception);
            }
        });
        return started.Task;
    }

    /// <summary>Runs a short helper (initdb, dotnet build) to completion; returns its exit code.</summary>
    public static async Task<int> RunAsync(LaunchSpec spec, Action<LogSource, string> onOutput, CancellationToken cancellationToken)
    {
        using var child = await StartAsync(spec, onOutput).ConfigureAwait(false);
        try
        {
            return await child.Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            child.Signal(NativeMethods.SIGKILL);
            throw;
        }
    }

    private static ProcessStartInfo CreateStartInfo(LaunchSpec spec)
    {
        var startInfo = new ProcessStartInfo(Prerequisites.Locate("setsid") ?? "setsid")
        {
            WorkingDirectory = spec.WorkingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(Prerequisites.Locate("setpriv") ?? "setpriv");
        startInfo.ArgumentList.Add("--pdeathsig");
        startInfo.ArgumentList.Add("SIGKILL");
        if (spec.RunAsUser is { } user)
        {
            startInfo.ArgumentList.Add($"--reuid={user}");
            startInfo.ArgumentList.Add($"--regid={user}");
            startInfo.ArgumentList.Add("--init-groups");
        }

        startInfo.ArgumentList.Add("--");
        startInfo.ArgumentList.Add(spec.FileName);
        foreach (var argument in spec.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var key in startInfo.Environment.Keys.ToList())
        {
            if (spec.RemoveInherited.Any(remove => remove(key)))
            {
                startInfo.Environment.Remove(key);
            }
        }

        foreach (var (key, value) in spec.Environment)
        {
            startInfo.Environment[key] = value;
        }

        return startInfo;
    }
}

/// <summary>A started child process: its id, its exit, and signals to it.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _reaped;

    private ChildProcess(Process process) => _process = process;

    public int Id { get; private set; }

    /// <summary>
    /// Completes with the exit code when the process has ended and its last output lines are captured (a process's
    /// final words, such as Postgres's "database system is shut down", arrive just before it exits). Children that
    /// inherited the pipes may keep them open, so the wait for the output is bounded.
    /// </summary>
    public Task<int> Exited => _exited.Task;

    public static ChildProcess Start(ProcessStartInfo startInfo, Action<LogSource, string> onOutput)
    {
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._outputClosed.TrySetResult();
            }
            else
            {
                onOutput(LogSource.StandardOutput, e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._errorClosed.TrySetResult();
            }
            else
            {
                onOutput(LogSource.StandardError, e.Data);
            }
        };
        process.Exited += (_, _) =>
        {
            child._reaped = true;
            _ = child.CompleteAfterOutputAsync(SafeExitCode(process));
        };
        process.Start();
        child.Id = process.Id;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    // Once reaped, the pid may belong to another process: never signal it again.
    public bool Signal(int signal) => !_reaped && NativeMethods.Signal(Id, signal);

    /// <summary>Signals in turn, waiting after each; SIGKILL last. Returns the exit code.</summary>
    public async Task<int> StopAsync(IReadOnlyList<StopStep> sequence)
    {
        foreach (var step in sequence)
        {
            if (Signal(step.Signal))
            {
                try
                {
                    return await Exited.WaitAsync(step.Wait).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Escalate to the next signal.
                }
            }
        }

        Signal(NativeMethods.SIGKILL);
        return await Exited.ConfigureAwait(false);
    }

    public void Dispose() => _process.Dispose();

    private async Task CompleteAfterOutputAsync(int exitCode)
    {
        try
        {
            await Task.WhenAll(_outputClosed.Task, _errorClosed.Task).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A grandchild still holds the pipe; report the exit anyway.
        }

        _exited.TrySetResult(exitCode);
    }

    private static int SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }
}
