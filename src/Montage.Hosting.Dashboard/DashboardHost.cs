using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Montage.Hosting.Dashboard.Otlp;
using Montage.Hosting.Dashboard.Telemetry;
using Montage.Hosting.Dashboard.Web;

namespace Montage.Hosting.Dashboard;

/// <summary>
/// A running dashboard: the browser UI (login token required) and the OTLP/HTTP receiver (no token; optional API key).
/// Start it with <see cref="StartAsync"/>, stop it with <see cref="DisposeAsync"/>.
/// </summary>
public sealed class DashboardHost : IAsyncDisposable
{
    private readonly WebApplication _ui;
    private readonly WebApplication? _otlp;

    private DashboardHost(WebApplication ui, WebApplication? otlp, Uri url, Uri otlpEndpoint, string loginToken, string? otlpApiKey, TelemetryStore telemetry)
    {
        _ui = ui;
        _otlp = otlp;
        Url = url;
        OtlpEndpoint = otlpEndpoint;
        LoginToken = loginToken;
        Telemetry = telemetry;
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        };
        if (!string.IsNullOrEmpty(otlpApiKey))
        {
            environment["OTEL_EXPORTER_OTLP_HEADERS"] = $"{OtlpEndpoints.ApiKeyHeader}={otlpApiKey}";
        }

        OtlpEnvironment = environment;
    }

    /// <summary>Base URL of the browser UI as bound (a requested port 0 is resolved), ending with "/".</summary>
    public Uri Url { get; }

    /// <summary>The link to open: logs the browser in with the token and lands on the resources page.</summary>
    public string BrowserUrl => $"{Url}login?t={Uri.EscapeDataString(LoginToken)}";

    public string LoginToken { get; }

    /// <summary>Base URL for OTLP/HTTP exporters (what OTEL_EXPORTER_OTLP_ENDPOINT should hold); signals post to /v1/traces etc.</summary>
    public Uri OtlpEndpoint { get; }

    /// <summary>
    /// Environment the engine gives every service so its OpenTelemetry exporter reaches this dashboard:
    /// OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL and, with an API key, OTEL_EXPORTER_OTLP_HEADERS.
    /// OTEL_SERVICE_NAME is per resource and left to the engine.
    /// </summary>
    public IReadOnlyDictionary<string, string> OtlpEnvironment { get; }

    /// <summary>The in-memory telemetry received so far.</summary>
    public TelemetryStore Telemetry { get; }

    public static async Task<DashboardHost> StartAsync(DashboardOptions options, IDashboardResourceSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(source);

        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var loginToken = string.IsNullOrEmpty(options.LoginToken) ? NewToken() : options.LoginToken;
        var telemetry = new TelemetryStore(options);
        var separateOtlp = !string.IsNullOrEmpty(options.OtlpHttpUrl);

        var ui = Build(options.Url, loggerFactory);
        DashboardWeb.Map(ui, new DashboardWebContext(source, telemetry, options, loginToken, loggerFactory));
        WebApplication? otlp = null;
        if (separateOtlp)
        {
            otlp = Build(options.OtlpHttpUrl!, loggerFactory);
            OtlpEndpoints.Map(otlp, telemetry, options.OtlpApiKey, loggerFactory);
        }
        else
        {
            OtlpEndpoints.Map(ui, telemetry, options.OtlpApiKey, loggerFactory);
        }

        try
        {
            await ui.StartAsync(cancellationToken).ConfigureAwait(false);
            if (otlp is not null)
            {
                await otlp.StartAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await ui.DisposeAsync().ConfigureAwait(false);
            if (otlp is not null)
            {
                await otlp.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        var url = BoundAddress(ui);
        var otlpUrl = otlp is null ? url : BoundAddress(otlp);
        var host = new DashboardHost(ui, otlp, url, otlpUrl, loginToken, options.OtlpApiKey, telemetry);
        DashboardLog.Started(loggerFactory.CreateLogger<DashboardHost>(), url, otlpUrl);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        Telemetry.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await StopQuietly(_ui, timeout.Token).ConfigureAwait(false);
        if (_otlp is not null)
        {
            await StopQuietly(_otlp, timeout.Token).ConfigureAwait(false);
        }
    }

    private static async Task StopQuietly(WebApplication app, CancellationToken cancellationToken)
    {
        try
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Live SSE streams may outlast the grace period; disposal below closes them.
        }

        await app.DisposeAsync().ConfigureAwait(false);
    }

    private static WebApplication Build(string url, ILoggerFactory loggerFactory)
    {
        // An empty builder: the dashboard runs inside the AppHost process and must not pick up its
        // ASPNETCORE_* environment, appsettings or console logging.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(DashboardHost).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseUrls(url);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = OtlpEndpoints.MaxRequestBytes;
        });
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddRoutingCore();
        return builder.Build();
    }

    private static Uri BoundAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        var first = addresses.First();
        return new Uri(first.EndsWith('/') ? first : first + "/");
    }

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
