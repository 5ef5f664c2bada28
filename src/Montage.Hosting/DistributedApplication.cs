using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Montage.Hosting.ApplicationModel;
using Montage.Hosting.Dashboard;
using Montage.Hosting.Orchestration;
using Montage.Hosting.Publishing;

namespace Montage.Hosting;

/// <summary>The built application model: runs it (processes, health, logs) or publishes it (compose, Kubernetes).</summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly IDistributedApplicationBuilder _builder;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private Orchestrator? _orchestrator;
    private Task? _stopping;
    private DashboardHost? _dashboard;
    private bool _disposed;

    internal DistributedApplication(IDistributedApplicationBuilder builder, IConfiguration configuration, IReadOnlyList<IResource> resources)
    {
        _builder = builder;
        Configuration = configuration;
        Resources = resources;
        _loggerFactory = builder.Options.ConsoleLogging
            ? LoggerFactory.Create(logging => logging
                .AddSimpleConsole(console =>
                {
                    console.SingleLine = true;
                    console.TimestampFormat = "HH:mm:ss ";
                })
                .SetMinimumLevel(LogLevel.Information)
                .AddFilter("Microsoft", LogLevel.Warning))
            : NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("Montage.Hosting");
    }

    public static IDistributedApplicationBuilder CreateBuilder(string[] args) => CreateBuilder(new DistributedApplicationOptions { Args = args });

    public static IDistributedApplicationBuilder CreateBuilder(DistributedApplicationOptions options) => new DistributedApplicationBuilder(options);

    public IConfiguration Configuration { get; }

    public IReadOnlyList<IResource> Resources { get; }

    public DistributedApplicationExecutionContext ExecutionContext => _builder.ExecutionContext;

    public string DataDirectory => _builder.DataDirectory;

    public ResourceNotificationService ResourceNotifications { get; } = new();

    public ResourceLoggerService ResourceLogs { get; } = new();

    /// <summary>The dashboard's address with its login token, when a dashboard runs.</summary>
    public Uri? DashboardLoginUrl { get; private set; }

    /// <summary>Where processes send telemetry (the dashboard's OTLP/HTTP endpoint), when a dashboard runs.</summary>
    public Uri? OtlpEndpoint { get; private set; }

    public IResource GetResource(string name) =>
        Resources.FirstOrDefault(r => r.Name == name) ?? throw new ArgumentException($"There is no resource named '{name}'.", nameof(name));

    /// <summary>The connection string a referencing resource receives (<c>ConnectionStrings__name</c>).</summary>
    public string GetConnectionString(string resourceName) =>
        GetResource(resourceName) is IResourceWithConnectionString resource
            ? resource.GetConnectionString(RunningOrchestrator.Values)
            : throw new ArgumentException($"Resource '{resourceName}' has no connection string.", nameof(resourceName));

    /// <summary>The URL of a named endpoint of one replica.</summary>
    public Uri GetEndpoint(string resourceName, string endpointName = "http", int replica = 0) =>
        new(RunningOrchestrator.Values.Url(GetResource(resourceName), endpointName, replica));

    public void Run() => RunAsync().GetAwaiter().GetResult();

    /// <summary>Runs until Ctrl+C / SIGTERM (then stops everything, in reverse order), or publishes and returns.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (ExecutionContext.IsPublishMode)
        {
            PublishOrReport();
            return;
        }

        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var firstSignal = (DateTime?)null;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            // A terminal's Ctrl+C reaches both `dotnet run` and the AppHost, and some launchers forward it too, so one
            // key press can arrive twice; only a second Ctrl+C a moment later means "stop waiting, kill everything".
            if (firstSignal is { } first && DateTime.UtcNow - first > TimeSpan.FromSeconds(2))
            {
                KillAll();
                Environment.Exit(130);
            }

            firstSignal ??= DateTime.UtcNow;
            shutdown.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        try
        {
            await StartAsync(shutdown.Token).ConfigureAwait(false);
        }
        catch (MissingPrerequisiteException missing)
        {
            await Console.Error.WriteLineAsync(missing.Message).ConfigureAwait(false);
            Environment.ExitCode = 1;
            return;
        }

        _ = ReportWhenHealthyAsync(shutdown.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, shutdown.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Checks prerequisites, allocates ports and starts every resource (returns without waiting for health).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_orchestrator is not null)
            {
                throw new InvalidOperationException("The application is already started.");
            }
        }

        Prerequisites.EnsureAvailable(Resources);
        PrepareDataDirectory();

        // The dashboard binds first: with its ports given as 0, a free port found for a resource could otherwise be
        // handed to the dashboard again by the kernel before the resource binds it.
        await StartDashboardAsync(cancellationToken).ConfigureAwait(false);
        var values = new RunValueContext();
        values.AllocatePorts(Resources, new PortAllocator(_builder.Options.RandomizePorts));
        var settings = new OrchestratorSettings(
            DataDirectory,
            _builder.Options.BuildConfiguration ?? EntryConfiguration(),
            Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 3)),
            () => _dashboard?.OtlpEnvironment,
            Configuration["Montage:Environment"] ?? "Development");
        foreach (var resource in Resources)
        {
            Orchestrator.DriverFor(resource)?.Initialize(resource, values, settings);
        }

        var orchestrator = new Orchestrator(Resources, settings, values, ResourceNotifications, ResourceLogs, _logger);
        lock (_lock)
        {
            _orchestrator = orchestrator;
        }

        orchestrator.Start();
    }

    /// <summary>Stops every resource in reverse dependency order: gracefully, then SIGKILL after a grace period.</summary>
    public Task StopAsync()
    {
        lock (_lock)
        {
            return _stopping ??= _orchestrator is null ? Task.CompletedTask : _orchestrator.StopAsync();
        }
    }

    /// <summary>Stops the resource's processes (every replica, or one) gracefully; they stay stopped until started.</summary>
    public Task StopResourceAsync(string resourceName, int? replica = null) => RunningOrchestrator.StopResourceAsync(resourceName, replica);

    public Task StartResourceAsync(string resourceName, int? replica = null)
    {
        RunningOrchestrator.StartResource(resourceName, replica);
        return Task.CompletedTask;
    }

    public Task RestartResourceAsync(string resourceName, int? replica = null) => RunningOrchestrator.RestartResourceAsync(resourceName, replica);

    /// <summary>SIGKILL the resource's processes (all replicas, or one): the supervisor treats it as a crash.</summary>
    public int KillResource(string resourceName, int? replica = null) => RunningOrchestrator.KillResource(resourceName, replica);

    /// <summary>Process ids of the resource's running replicas.</summary>
    public IReadOnlyList<int> GetProcessIds(string resourceName) =>
        [.. RunningOrchestrator.Runtime(resourceName).Instances.Select(i => i.ProcessId).OfType<int>()];

    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await StopAsync().ConfigureAwait(false);
        await StopDashboardAsync().ConfigureAwait(false);
        if (_builder.Options.DeleteDataDirectoryOnDispose && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }

        _loggerFactory.Dispose();
    }

    internal Orchestrator RunningOrchestrator
    {
        get
        {
            lock (_lock)
            {
                return _orchestrator ?? throw new InvalidOperationException("The application is not started.");
            }
        }
    }

    private void KillAll()
    {
        if (_orchestrator is { } orchestrator)
        {
            foreach (var resource in Resources)
            {
                orchestrator.KillResource(resource.Name);
            }
        }
    }

    private void PrepareDataDirectory()
    {
        Directory.CreateDirectory(DataDirectory);
        if (!OperatingSystem.IsWindows() && NativeMethods.IsRoot)
        {
            // Postgres runs as its own user and must be able to reach its directory below this one.
            File.SetUnixFileMode(DataDirectory, (UnixFileMode)0b111_101_101);
        }
    }

    private void PublishOrReport()
    {
        try
        {
            var output = ManifestPublisher.Publish(_builder, Resources, _logger);
            HostingLog.Published(_logger, ExecutionContext.PublishFormat ?? "compose", output);
        }
        catch (PublishException failed)
        {
            Console.Error.WriteLine(failed.Message);
            Environment.ExitCode = 1;
        }
    }

    private async Task ReportWhenHealthyAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        try
        {
            foreach (var resource in Resources)
            {
                await ResourceNotifications.WaitForResourceHealthyAsync(resource.Name, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or InvalidOperationException)
        {
            return;
        }

        HostingLog.AllHealthy(_logger, Resources.Count, started.Elapsed.TotalSeconds, DataDirectory);
        if (Resources.FirstOrDefault(r => r.Name == "gateway") is { } gateway && gateway.Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == "http"))
        {
            Console.WriteLine($"Gateway:   {GetEndpoint(gateway.Name)}");
        }

        if (DashboardLoginUrl is { } dashboard)
        {
            Console.WriteLine($"Dashboard: {dashboard}");
        }
    }

    private static string EntryConfiguration() =>
        Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } configuration
            ? configuration
            : "Debug";

    private async Task StartDashboardAsync(CancellationToken cancellationToken)
    {
        if (_builder.Options.DisableDashboard)
        {
            return;
        }

        var options = new DashboardOptions
        {
            Url = Configuration["Montage:Dashboard:Url"] ?? "http://localhost:18888",
            OtlpHttpUrl = Configuration["Montage:Dashboard:OtlpUrl"] ?? "http://localhost:18889",
            LoginToken = Configuration["Montage:Dashboard:Token"],
            LoggerFactory = _loggerFactory,
        };
        try
        {
            _dashboard = await DashboardHost.StartAsync(options, new DashboardResourceSource(this), cancellationToken).ConfigureAwait(false);
        }
        catch (IOException failed)
        {
            // Most likely the port is taken (another AppHost); the application runs without a dashboard.
            HostingLog.DashboardFailed(_logger, failed.Message);
            return;
        }

        DashboardLoginUrl = new Uri(_dashboard.BrowserUrl);
        OtlpEndpoint = _dashboard.OtlpEndpoint;
        Console.WriteLine($"Dashboard: {DashboardLoginUrl}");
    }

    private async Task StopDashboardAsync()
    {
        if (_dashboard is { } dashboard)
        {
            _dashboard = null;
            await dashboard.DisposeAsync().ConfigureAwait(false);
        }
    }
}
