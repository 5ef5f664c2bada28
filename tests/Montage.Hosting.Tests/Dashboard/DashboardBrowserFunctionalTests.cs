using Montage.Hosting.Dashboard;
using static Microsoft.Playwright.Assertions;

namespace Montage.Hosting.Tests.Dashboard;

/// <summary>The dashboard in headless chromium: what a developer sees, fed by a resource source and real OTLP.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardBrowserFunctionalTests(DashboardFixture fixture)
{
    [Fact]
    public async Task Resources_page_shows_every_resource_healthy()
    {
        var page = await fixture.LoggedInPage();

        Assert.Equal(new Uri(fixture.Host.Url, "/").ToString(), page.Url);
        foreach (var resource in fixture.Source.GetResources())
        {
            var row = page.Locator($"#resources tr[data-resource='{resource.Name}']");
            await Expect(row.Locator(".state")).ToHaveTextAsync("Healthy");
            await Expect(row.Locator(".health")).ToHaveTextAsync("Healthy");
            await Expect(row.Locator(".type")).ToHaveTextAsync(resource.Type.ToString());
            foreach (var endpoint in resource.Endpoints)
            {
                await Expect(row.Locator($".endpoints a[href='{endpoint.Url}']")).ToHaveCountAsync(1);
            }

            if (resource.ProcessId is { } pid)
            {
                await Expect(row.Locator(".pid")).ToHaveTextAsync(pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        await Expect(page.Locator("#resources tbody tr[data-resource]")).ToHaveCountAsync(fixture.Source.GetResources().Count);
        await Expect(page.Locator("#resources tr[data-resource='jobs'] .restarts")).ToHaveTextAsync("1");
        await Expect(page.Locator("#resources tr[data-resource='jobs'] .uptime")).ToContainTextAsync("m");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Environment_is_shown_with_secrets_masked()
    {
        var page = await fixture.LoggedInPage();

        await page.Locator("#resources tr[data-resource='gateway'] button.name").ClickAsync();
        await page.Locator("#resources tr[data-resource='jobs'] button.name").ClickAsync();
        await page.Locator("#resources tr[data-resource='postgres'] button.name").ClickAsync();

        var gateway = page.Locator("tr[data-environment-of='gateway']");
        await Expect(gateway.Locator("tr[data-variable='FAL_KEY'] td").Nth(1)).ToHaveTextAsync(SecretMasking.Mask);
        await Expect(gateway.Locator("tr[data-variable='ASPNETCORE_ENVIRONMENT'] td").Nth(1)).ToHaveTextAsync("Development");
        var jobs = page.Locator("tr[data-environment-of='jobs']");
        var connection = jobs.Locator("tr[data-variable='ConnectionStrings__jobs-db'] td").Nth(1);
        await Expect(connection).ToContainTextAsync("Host=127.0.0.1;Port=54320;Username=postgres;Password=" + SecretMasking.Mask);
        await Expect(page.Locator("tr[data-environment-of='postgres'] tr[data-variable='POSTGRES_PASSWORD'] td").Nth(1)).ToHaveTextAsync(SecretMasking.Mask);

        var html = await page.ContentAsync();
        Assert.DoesNotContain(SampleResources.PostgresPassword, html, StringComparison.Ordinal);
        Assert.DoesNotContain(SampleResources.FalKey, html, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Stop_button_asks_the_engine_and_the_new_state_appears_without_reload()
    {
        var page = await fixture.LoggedInPage();
        var row = page.Locator("#resources tr[data-resource='images-1']");
        await Expect(row.Locator(".state")).ToHaveTextAsync("Healthy");
        await page.EvaluateAsync("window.__notReloaded = true");

        await row.Locator("button[data-command='stop']").ClickAsync();

        await Expect(row.Locator(".state")).ToHaveTextAsync("Stopped");
        Assert.Contains(("images-1", ResourceCommand.Stop), fixture.Source.Commands);
        Assert.True(await page.EvaluateAsync<bool>("window.__notReloaded === true"));

        await row.Locator("button[data-command='start']").ClickAsync();
        await Expect(row.Locator(".state")).ToHaveTextAsync("Running");
        Assert.Contains(("images-1", ResourceCommand.Start), fixture.Source.Commands);
        fixture.Source.Update("images-1", r => r with { State = ResourceState.Healthy });
        await Expect(row.Locator(".state")).ToHaveTextAsync("Healthy");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Console_logs_show_backlog_and_live_lines_and_search_filters_them()
    {
        fixture.Source.WriteConsole("redis", "Ready to accept connections tcp");
        fixture.Source.WriteConsole("redis", "Background saving started", isError: true);
        var page = await fixture.LoggedInPage();
        await page.GotoAsync(new Uri(fixture.Host.Url, "/consolelogs?resource=redis").ToString());

        var lines = page.Locator("#console .line");
        await Expect(lines.Filter(new() { HasText = "Ready to accept connections tcp" })).ToHaveCountAsync(1);
        fixture.Source.WriteConsole("redis", "DB saved on disk");
        await Expect(lines.Filter(new() { HasText = "DB saved on disk" })).ToHaveCountAsync(1);
        await Expect(page.Locator("#console .line.err")).ToContainTextAsync("Background saving started");

        await page.Locator("#search").FillAsync("saved on");
        await Expect(page.Locator("#console .line:visible")).ToHaveCountAsync(1);
        await Expect(page.Locator("#console .line:visible mark")).ToHaveTextAsync("saved on");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Trace_of_one_request_shows_spans_from_two_services_in_the_waterfall()
    {
        var traceId = OtlpTestExport.ExportCrossServiceTrace(fixture.Host.OtlpEndpoint, "gateway-trace", "jobs-trace");
        var page = await fixture.LoggedInPage();
        await page.GotoAsync(new Uri(fixture.Host.Url, "/traces?service=jobs-trace").ToString());

        var row = page.Locator($"#traces tr[data-trace-id='{traceId}']");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator(".services .svc")).ToHaveTextAsync(["gateway-trace", "jobs-trace"]);
        await Expect(page.Locator("#traces tbody tr[data-trace-id]")).ToHaveCountAsync(1);
        await row.Locator("a").First.ClickAsync();

        await Expect(page).ToHaveURLAsync(new Uri(fixture.Host.Url, "/traces/" + traceId).ToString());
        var spans = page.Locator("#waterfall .wf-row[data-span-id]");
        await Expect(spans).ToHaveCountAsync(4);
        await Expect(page.Locator("#waterfall .wf-row[data-service='gateway-trace']")).ToHaveCountAsync(2);
        await Expect(page.Locator("#waterfall .wf-row[data-service='jobs-trace']")).ToHaveCountAsync(2);
        // Parent before child, indented by depth: the request, the gRPC call, the jobs handler, its insert.
        Assert.Equal(["0", "1", "2", "3"], await spans.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.depth)"));
        await Expect(spans.Nth(0)).ToContainTextAsync("POST /v1/videos");
        await Expect(spans.Nth(3)).ToContainTextAsync("INSERT jobs");

        await spans.Nth(3).ClickAsync();
        await Expect(page.Locator("#span-detail")).ToContainTextAsync("postgresql");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Structured_log_shows_message_attributes_and_links_to_its_trace()
    {
        string traceId;
        using (var loggerFactory = OtlpTestExport.Logger("gateway-logs", fixture.Host.OtlpEndpoint))
        {
            var logger = loggerFactory.CreateLogger("Montage.Gateway.Videos");
            traceId = OtlpTestExport.ExportCrossServiceTrace(fixture.Host.OtlpEndpoint, "gateway-logs", "jobs-logs", logger);
        }

        var page = await fixture.LoggedInPage();
        await page.GotoAsync(new Uri(fixture.Host.Url, "/structuredlogs?service=gateway-logs").ToString());

        var row = page.Locator("#logs tbody tr[data-log-id]").Filter(new() { HasText = "Accepted video request vid-42 for model kling-2.1" });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator(".level")).ToHaveTextAsync("Information");
        await Expect(row.Locator(".attr[title='VideoId=vid-42']")).ToHaveCountAsync(1);
        await Expect(row.Locator(".attr[title='Model=kling-2.1']")).ToHaveCountAsync(1);
        await row.Locator("a.trace-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(fixture.Host.Url, "/traces/" + traceId).ToString());
        await Expect(page.Locator("#waterfall .wf-row[data-span-id]")).ToHaveCountAsync(4);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Metrics_page_shows_an_instrument_with_its_value_and_a_chart()
    {
        OtlpTestExport.ExportCounter(fixture.Host.OtlpEndpoint, "jobs-metrics", "Montage.Jobs", "montage.jobs.submitted", 42);
        var page = await fixture.LoggedInPage();
        await page.GotoAsync(new Uri(fixture.Host.Url, "/metrics?instrumentService=jobs-metrics&scope=Montage.Jobs&name=montage.jobs.submitted").ToString());

        await Expect(page.Locator("#instrument-name")).ToHaveTextAsync("montage.jobs.submitted");
        await Expect(page.Locator("#instrument-value")).ToContainTextAsync("42");
        await Expect(page.Locator("#instrument .series-value")).ToHaveTextAsync("42");
        await Expect(page.Locator("#instrument svg.chart path")).ToHaveCountAsync(1);
        await Expect(page.Locator("#instruments a[data-instrument='montage.jobs.submitted']")).ToHaveCountAsync(1);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Without_the_token_the_browser_lands_on_the_login_page()
    {
        var context = await fixture.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync(new Uri(fixture.Host.Url, "/traces").ToString());

        Assert.NotNull(response);
        Assert.StartsWith(new Uri(fixture.Host.Url, "/login").ToString(), page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("form input[name='t']")).ToBeVisibleAsync();
        await Expect(page.Locator("#resources")).ToHaveCountAsync(0);

        await page.Locator("form input[name='t']").FillAsync("not-the-token");
        await page.Locator("form button").ClickAsync();
        await Expect(page.Locator(".error")).ToBeVisibleAsync();

        await page.Locator("form input[name='t']").FillAsync(fixture.Host.LoginToken);
        await page.Locator("form button").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(fixture.Host.Url, "/traces").ToString());
        await context.CloseAsync();
    }
}
