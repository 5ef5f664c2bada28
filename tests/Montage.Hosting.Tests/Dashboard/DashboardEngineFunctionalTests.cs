using System.Text.RegularExpressions;
using Montage.Hosting.ApplicationModel;
using Montage.Hosting.Testing;
using Montage.Hosting.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Montage.Hosting.Tests.Dashboard;

/// <summary>
/// The dashboard hosted by the real AppHost engine, in headless chromium: real processes appear healthy with their
/// PIDs, endpoints and masked environment, their console output streams in, and Stop / Start reach the processes.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed partial class DashboardEngineFunctionalTests(DashboardFixture fixture)
{
    private const string PaymentKey = "pay-secret-123";

    [Fact]
    public async Task Resources_of_a_running_app_model_show_healthy_and_respond_to_stop_and_start()
    {
        await using var app = await DistributedApplicationTestingBuilder.CreateAsync(builder =>
        {
            builder.Configuration["Montage:Dashboard:Url"] = "http://127.0.0.1:0";
            builder.Configuration["Montage:Dashboard:OtlpUrl"] = "http://127.0.0.1:0";
            Server(builder, "api").WithEnvironment("PAYMENT_API_KEY", PaymentKey);
            Server(builder, "worker");
        }, options => options.DisableDashboard = false);
        await app.WaitForAllHealthyAsync(TimeSpan.FromMinutes(3));
        Assert.NotNull(app.DashboardLoginUrl);

        var context = await fixture.Browser.NewContextAsync();
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(app.DashboardLoginUrl!.ToString());

        foreach (var name in new[] { "api", "worker" })
        {
            var row = page.Locator($"#resources tr[data-resource='{name}']");
            await Expect(row.Locator(".state")).ToHaveTextAsync("Healthy");
            await Expect(row.Locator(".health")).ToHaveTextAsync("Healthy");
            await Expect(row.Locator(".type")).ToHaveTextAsync("Executable");
            var pid = app.GetProcessIds(name).Single();
            await Expect(row.Locator(".pid")).ToHaveTextAsync(pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(row.Locator(".endpoints a")).ToHaveTextAsync(HttpUrl());
        }

        await page.Locator("#resources tr[data-resource='api'] button.name").ClickAsync();
        await Expect(page.Locator("tr[data-environment-of='api'] tr[data-variable='PAYMENT_API_KEY'] td").Nth(1)).ToHaveTextAsync(Montage.Hosting.Dashboard.SecretMasking.Mask);
        Assert.DoesNotContain(PaymentKey, await page.ContentAsync(), StringComparison.Ordinal);

        var worker = page.Locator("#resources tr[data-resource='worker']");
        var workerPid = app.GetProcessIds("worker").Single();
        await worker.Locator("button[data-command='stop']").ClickAsync();
        await Expect(worker.Locator(".state")).ToHaveTextAsync(StoppedState(), new() { Timeout = 120_000 });
        Assert.False(ProcessTable.IsAlive(workerPid));

        await worker.Locator("button[data-command='start']").ClickAsync();
        await Expect(worker.Locator(".state")).ToHaveTextAsync("Healthy", new() { Timeout = 120_000 });
        Assert.NotEqual(workerPid, app.GetProcessIds("worker").Single());

        await page.GotoAsync(new Uri(app.DashboardLoginUrl, "/consolelogs?resource=api").ToString());
        await Expect(page.Locator("#console .line").Filter(new() { HasTextRegex = ListeningLine() })).ToHaveCountAsync(1);
        await context.CloseAsync();
    }

    private static IResourceBuilder<ExecutableResource> Server(IDistributedApplicationBuilder builder, string name) =>
        builder.AddExecutable(name, TestPaths.Python, TestPaths.TestApps, "envserver.py")
            .WithHttpEndpoint(env: "PORT")
            .WithHttpHealthCheck("/health");

    [GeneratedRegex(@"^http://127\.0\.0\.1:\d+")]
    private static partial Regex HttpUrl();

    [GeneratedRegex("^(Stopped|Exited)$")]
    private static partial Regex StoppedState();

    [GeneratedRegex(@"listening on \d+")]
    private static partial Regex ListeningLine();
}
