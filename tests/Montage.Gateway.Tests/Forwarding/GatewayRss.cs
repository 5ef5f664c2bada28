using System.Globalization;

namespace Montage.Gateway.Tests.Forwarding;

/// <summary>Samples a process's resident set size (VmRSS of /proc/&lt;pid&gt;/status) every 50 ms and keeps the peak.</summary>
internal sealed class GatewayRss : IDisposable
{
    private readonly int _processId;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peak;

    private GatewayRss(int processId)
    {
        _processId = processId;
        var commandLine = File.ReadAllText($"/proc/{processId}/cmdline");
        if (!commandLine.Contains("Montage.Gateway", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Process {processId} is not the gateway: {commandLine.Replace('\0', ' ')}");
        }

        _sampling = Task.Run(SampleUntilStoppedAsync);
    }

    public int Samples { get; private set; }

    public static GatewayRss Start(int processId) => new(processId);

    public Task<long> SampleAsync() => Task.FromResult(Read());

    /// <summary>Stops sampling; the peak seen (bytes).</summary>
    public async Task<long> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        return Math.Max(Interlocked.Read(ref _peak), Read());
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task SampleUntilStoppedAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var rss = Read();
            if (rss > Interlocked.Read(ref _peak))
            {
                Interlocked.Exchange(ref _peak, rss);
            }

            Samples++;
            try
            {
                await Task.Delay(50, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private long Read()
    {
        foreach (var line in File.ReadLines($"/proc/{_processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kib = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"No VmRSS for process {_processId}.");
    }
}
