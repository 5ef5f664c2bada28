using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Montage.Providers.Local;

/// <summary>Per-run settings: the expected output length (for a progress fraction), a progress sink, and a start hook.</summary>
public sealed record FfmpegRun
{
    public TimeSpan? ExpectedDuration { get; init; }
    public IProgress<RenderProgress>? Progress { get; init; }

    /// <summary>Called with the process id right after the process starts.</summary>
    public Action<int>? Started { get; init; }
}

/// <summary>
/// Runs ffmpeg and ffprobe as child processes with argument lists (never through a shell). Cancellation kills the
/// process; stderr is kept (last lines, redacted) for the error; progress comes from <c>-progress pipe:1</c>.
/// </summary>
public sealed partial class FfmpegRunner(LocalEngineOptions options, ILogger<FfmpegRunner>? logger = null)
{
    private const int StderrLinesKept = 30;
    private const int LogLinesKept = 80;
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public LocalEngineOptions Options { get; } = options;

    /// <summary>Runs ffmpeg with the given arguments (after the common ones: no banner, no stdin, overwrite, errors only, progress on stdout).</summary>
    public async Task RunAsync(IReadOnlyList<string> arguments, FfmpegRun? run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        List<string> all = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1", .. arguments];
        if (Options.Threads > 0 && arguments.Count > 0)
        {
            // An output option: it must come before the output path, which is the last argument.
            all.InsertRange(all.Count - 1, ["-threads", Options.Threads.ToString(CultureInfo.InvariantCulture)]);
        }

        await RunToolAsync("ffmpeg", Options.FfmpegPath, all, run, parseProgress: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs ffmpeg at log level info and returns the last lines of its log, for filters that report their findings
    /// there (ebur128's summary). Fails like <see cref="RunAsync"/> on a non-zero exit.
    /// </summary>
    public async Task<string> RunForLogAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        List<string> all = ["-hide_banner", "-nostdin", "-y", "-loglevel", "info", "-nostats", .. arguments];
        return await RunToolAsync("ffmpeg", Options.FfmpegPath, all, new FfmpegRun(), parseProgress: false, cancellationToken, keepLog: true).ConfigureAwait(false);
    }

    /// <summary>Runs ffprobe and returns its standard output.</summary>
    public async Task<string> ProbeAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return await RunToolAsync("ffprobe", Options.FfprobePath, ["-v", "error", .. arguments], null, parseProgress: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> RunToolAsync(
        string tool, string path, IReadOnlyList<string> arguments, FfmpegRun? run, bool parseProgress, CancellationToken cancellationToken, bool keepLog = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var start = new ProcessStartInfo(path)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception error)
        {
            throw new FfmpegException($"{tool} could not be started; install the Debian package ffmpeg or configure its path.", error);
        }

        run?.Started?.Invoke(process.Id);
        var stderr = ReadTailAsync(process.StandardError, keepLog ? LogLinesKept : StderrLinesKept);
        var stdout = parseProgress
            ? ReadProgressAsync(process.StandardOutput, run)
            : process.StandardOutput.ReadToEndAsync(CancellationToken.None);

        using (cancellationToken.Register(() => Kill(process)))
        {
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var output = await stdout.ConfigureAwait(false);
        var tail = await stderr.ConfigureAwait(false);
        var diagnostics = DiagnosticsRedactor.Redact(string.Join(" | ", tail));
        cancellationToken.ThrowIfCancellationRequested();
        if (process.ExitCode != 0)
        {
            LogToolFailed(_logger, tool, process.ExitCode, diagnostics);
            throw new FfmpegException(tool, process.ExitCode, diagnostics.Length == 0 ? "no diagnostics" : diagnostics);
        }

        return keepLog ? string.Join('\n', tail) : output;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static async Task<IReadOnlyList<string>> ReadTailAsync(StreamReader reader, int keep)
    {
        var lines = new Queue<string>();
        while (await reader.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            lines.Enqueue(line);
            if (lines.Count > keep)
            {
                lines.Dequeue();
            }
        }

        return lines.ToList();
    }

    private static async Task<string> ReadProgressAsync(StreamReader reader, FfmpegRun? run)
    {
        var expected = run?.ExpectedDuration;
        while (await reader.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
        {
            if (run?.Progress is null)
            {
                continue;
            }

            // out_time_us (and the misnamed out_time_ms) are microseconds of output written.
            if ((line.StartsWith("out_time_us=", StringComparison.Ordinal) || line.StartsWith("out_time_ms=", StringComparison.Ordinal))
                && long.TryParse(line.AsSpan(line.IndexOf('=', StringComparison.Ordinal) + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros)
                && micros >= 0)
            {
                var processed = TimeSpan.FromMicroseconds(micros);
                double? fraction = expected is { TotalSeconds: > 0 } total ? Math.Clamp(processed / total, 0, 1) : null;
                run.Progress.Report(new RenderProgress(processed, fraction));
            }
            else if (line == "progress=end")
            {
                run.Progress.Report(new RenderProgress(expected ?? TimeSpan.Zero, 1));
            }
        }

        return "";
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "{Tool} failed with exit code {ExitCode}: {Diagnostics}")]
    private static partial void LogToolFailed(ILogger logger, string tool, int exitCode, string diagnostics);
}
