using Microsoft.Playwright;
using Montage.Hosting.Dashboard;

namespace Montage.Hosting.Tests.Dashboard;

/// <summary>
/// One dashboard (UI and OTLP receiver on free ports) fed by a <see cref="FakeResourceSource"/>, and one headless
/// Debian chromium driven by Playwright, shared by every dashboard functional test.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public const string OtlpApiKey = "otlp-test-key";

    private IPlaywright? _playwright;

    internal FakeResourceSource Source { get; } = new(SampleResources.All());

    public DashboardHost Host { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await DashboardHost.StartAsync(
            new DashboardOptions
            {
                Url = "http://127.0.0.1:0",
                OtlpHttpUrl = "http://127.0.0.1:0",
                OtlpApiKey = OtlpApiKey,
            },
            Source);

        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium (apt-get install -y chromium, or scripts/prerequisites.sh --tests).");
        }

        // Generous: the first launch on a loaded 2-core machine can be slow.
        Assertions.SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Timeout = 120_000,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
            ],
        });
    }

    /// <summary>A fresh browser context that has followed the login link; the page shows the resources.</summary>
    public async Task<IPage> LoggedInPage()
    {
        var context = await Browser.NewContextAsync();
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Host.BrowserUrl);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "Dashboard";
}
