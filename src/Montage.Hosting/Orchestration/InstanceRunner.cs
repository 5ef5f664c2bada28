using Microsoft.Extensions.Logging;
using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Orchestration;

/// <summary>
/// Supervises one replica: prepare, launch, health-check, and after a crash start again with exponential back-off
/// (1 s doubling to 30 s; back to 1 s after a minute of running). Stop is graceful first, then SIGKILL.
/// </summary>
internal sealed class InstanceRunner(ResourceRuntime owner, InstanceContext context, ResourceDriver driver, ILogger logger)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StableRun = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan StartupProbeInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan SteadyProbeInterval = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private KnownResourceState _state = KnownResourceState.NotStarted;
    private ChildProcess? _process;
    private int? _exitCode;
    private int _restarts;
    private DateTimeOffset? _startedAt;
    private string? _message;
    private IReadOnlyDictionary<string, string> _environment = new Dictionary<string, string>();
    private CancellationTokenSource? _lifetime;
    private Task _loop = Task.CompletedTask;

    public string InstanceId => context.InstanceId;

    public KnownResourceState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    public int? ProcessId
    {
        get
        {
            lock (_lock)
            {
                return _process?.Id;
            }
        }
    }

    public InstanceSnapshot Snapshot()
    {
        lock (_lock)
        {
            var urls = context.Resource.Annotations.OfType<EndpointAnnotation>()
                .ToDictionary(e => e.Name, e => context.Values.Url(context.Resource, e.Name, context.Replica));
            return new InstanceSnapshot(context.InstanceId, context.Replica, _state, _process?.Id, _exitCode, _restarts, _startedAt, _message,
                urls, _environment);
        }
    }

    public void Start()
    {
        lock (_lock)
        {
            if (!_loop.IsCompleted)
            {
                return;
            }

            _lifetime?.Dispose();
            _lifetime = new CancellationTokenSource();
            var token = _lifetime.Token;
            _loop = Task.Run(() => RunAsync(token), CancellationToken.None);
        }
    }

    public async Task StopAsync()
    {
        Task loop;
        lock (_lock)
        {
            loop = _loop;
            if (_lifetime is { IsCancellationRequested: false } lifetime)
            {
                lifetime.Cancel();
            }
        }

        await loop.ConfigureAwait(false);
    }

    /// <summary>SIGKILL, as a crash would: the supervisor sees an unexpected exit and restarts it.</summary>
    public bool Kill()
    {
        lock (_lock)
        {
            return _process?.Signal(NativeMethods.SIGKILL) ?? false;
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var backoff = FirstBackoff;
        while (!stopping.IsCancellationRequested)
        {
            SetState(KnownResourceState.Starting, message: null);
            ChildProcess child;
            LaunchSpec spec;
            try
            {
                spec = await driver.PrepareAsync(context, stopping).ConfigureAwait(false);
                child = await ProcessLauncher.StartAsync(spec, context.Log).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                SetState(KnownResourceState.Stopped, message: null);
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                context.Log(LogSource.Host, $"Failed to start: {exception.Message}");
                HostingLog.FailedToStart(logger, context.InstanceId, exception.Message);
                SetState(KnownResourceState.FailedToStart, exception.Message);
                return;
            }

            lock (_lock)
            {
                _process = child;
                _exitCode = null;
                _startedAt = DateTimeOffset.UtcNow;
                _environment = new Dictionary<string, string>(spec.Environment, StringComparer.Ordinal);
            }

            context.Log(LogSource.Host, $"Started process {child.Id}: {spec.FileName} {string.Join(' ', spec.Arguments)}");
            SetState(KnownResourceState.Running, message: null);
            var exitCode = await SuperviseAsync(child, stopping).ConfigureAwait(false);
            if (stopping.IsCancellationRequested)
            {
                SetState(KnownResourceState.Stopping, message: null);
                driver.BeforeStop(context);
                exitCode = await child.StopAsync(spec.StopSequence).ConfigureAwait(false);
                Forget(child, exitCode);
                context.Log(LogSource.Host, $"Stopped (exit code {exitCode}).");
                SetState(KnownResourceState.Stopped, message: null);
                return;
            }

            var ranFor = DateTimeOffset.UtcNow - (_startedAt ?? DateTimeOffset.UtcNow);
            Forget(child, exitCode);
            context.Log(LogSource.Host, $"Exited with code {exitCode}.");
            SetState(KnownResourceState.Exited, $"exit code {exitCode}");
            if (!driver.RestartsAfterExit(exitCode))
            {
                return;
            }

            if (ranFor > StableRun)
            {
                backoff = FirstBackoff;
            }

            HostingLog.RestartScheduled(logger, context.InstanceId, exitCode, backoff);
            lock (_lock)
            {
                _restarts++;
            }

            SetState(KnownResourceState.Restarting, $"exit code {exitCode}; restarting in {backoff.TotalSeconds:0} s");
            try
            {
                await Task.Delay(backoff, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                SetState(KnownResourceState.Stopped, message: null);
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    /// <summary>Health-checks until the process exits (returns its code) or a stop is requested.</summary>
    private async Task<int> SuperviseAsync(ChildProcess child, CancellationToken stopping)
    {
        using var probing = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var health = ProbeAsync(probing.Token);
        try
        {
            return await child.Exited.WaitAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return -1;
        }
        finally
        {
            await probing.CancelAsync().ConfigureAwait(false);
            await health.ConfigureAwait(false);
        }
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        if (!driver.HasHealthCheck(context.Resource))
        {
            SetHealth(healthy: true);
            return;
        }

        var everHealthy = false;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            bool healthy;
            try
            {
                healthy = await driver.CheckHealthAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (healthy)
            {
                everHealthy = true;
                failures = 0;
                SetHealth(healthy: true);
            }
            else if (everHealthy && ++failures >= 2)
            {
                SetHealth(healthy: false);
            }

            try
            {
                await Task.Delay(everHealthy ? SteadyProbeInterval : StartupProbeInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void SetHealth(bool healthy)
    {
        lock (_lock)
        {
            var next = healthy ? KnownResourceState.Healthy : KnownResourceState.Unhealthy;
            if (_state is not (KnownResourceState.Running or KnownResourceState.Healthy or KnownResourceState.Unhealthy) || _state == next)
            {
                return;
            }

            _state = next;
        }

        Changed(healthy ? KnownResourceState.Healthy : KnownResourceState.Unhealthy, null);
    }

    private void SetState(KnownResourceState state, string? message)
    {
        lock (_lock)
        {
            if (_state == state && _message == message)
            {
                return;
            }

            _state = state;
            _message = message;
        }

        Changed(state, message);
    }

    private void Changed(KnownResourceState state, string? message)
    {
        HostingLog.StateChanged(logger, context.InstanceId, state, message is null ? string.Empty : $" ({message})");
        owner.Publish();
    }

    private void Forget(ChildProcess child, int exitCode)
    {
        lock (_lock)
        {
            _process = null;
            _exitCode = exitCode;
        }

        child.Dispose();
    }
}
