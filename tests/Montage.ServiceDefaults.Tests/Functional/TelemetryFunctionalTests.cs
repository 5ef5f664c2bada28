using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Montage.ServiceDefaults.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Montage.ServiceDefaults.Tests.Functional;

[Collection(ProcessWideTelemetryCollection.Name)]
public sealed class TelemetryFunctionalTests
{
    [Fact]
    public async Task Health_endpoints_are_not_traced_but_other_requests_are()
    {
        var exporter = new CollectingExporter();
        int port;
        await using (var app = await TestApp.StartAsync(
            new Dictionary<string, string?>(),
            builder =>
            {
                builder.AddServiceDefaults();
                builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new SimpleActivityExportProcessor(exporter)));
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapGet("/ping", () => "pong");
            }))
        {
            port = app.Address.Port;
            using var client = new HttpClient { BaseAddress = app.Address };
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ping")).StatusCode);
        }

        var serverSpans = exporter.Spans.Where(span => span.Source.Name == "Microsoft.AspNetCore").ToList();
        var span = Assert.Single(serverSpans);
        Assert.Equal("GET /ping", span.DisplayName);
        Assert.Equal("/ping", span.GetTagItem("url.path"));
        Assert.Equal("/ping", span.GetTagItem("http.route"));
        Assert.Equal("GET", span.GetTagItem("http.request.method"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task Server_errors_mark_the_span_as_failed()
    {
        var exporter = new CollectingExporter();
        int port;
        await using (var app = await TestApp.StartAsync(
            new Dictionary<string, string?>(),
            builder =>
            {
                builder.AddServiceDefaults();
                builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new SimpleActivityExportProcessor(exporter)));
            },
            app => app.MapGet("/jobs/{id}", (string id) => Results.StatusCode(503))))
        {
            port = app.Address.Port;
            using var client = new HttpClient { BaseAddress = app.Address };
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/jobs/42")).StatusCode);
        }

        var span = Assert.Single(exporter.Spans, span => span.Source.Name == "Microsoft.AspNetCore" && Equals(span.GetTagItem("server.port"), port));
        Assert.Equal("GET /jobs/{id}", span.DisplayName);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("503", span.GetTagItem("error.type"));
    }

    [Fact]
    public async Task Trace_context_crosses_an_http_hop_through_service_discovery()
    {
        await using var backend = await TestApp.StartAsync(
            new Dictionary<string, string?>(),
            builder => builder.AddServiceDefaults(),
            app => app.MapGet("/trace", (HttpContext context) => new TraceView(
                Activity.Current?.TraceId.ToHexString(),
                context.Request.Headers.TraceParent.ToString())));

        await using var frontend = await TestApp.StartAsync(
            new Dictionary<string, string?> { ["services:backend:http:0"] = backend.Address.ToString() },
            builder => builder.AddServiceDefaults(),
            app => app.MapGet("/call", async (IHttpClientFactory clients) =>
            {
                var seen = await clients.CreateClient().GetFromJsonAsync<TraceView>("http://backend/trace");
                return new HopView(Activity.Current?.TraceId.ToHexString(), seen!);
            }));

        using var client = new HttpClient { BaseAddress = frontend.Address };

        // A caller's trace is continued by both services.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/call");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var hop = (await response.Content.ReadFromJsonAsync<HopView>())!;

        Assert.Equal(traceId, hop.FrontendTraceId);
        Assert.Equal(traceId, hop.Backend.TraceId);
        Assert.StartsWith($"00-{traceId}-", hop.Backend.TraceParent, StringComparison.Ordinal);

        // Without one, the frontend starts a trace and the backend joins it.
        var fresh = (await client.GetFromJsonAsync<HopView>("/call"))!;
        Assert.NotNull(fresh.FrontendTraceId);
        Assert.NotEqual(traceId, fresh.FrontendTraceId);
        Assert.Equal(fresh.FrontendTraceId, fresh.Backend.TraceId);
    }

    [Fact]
    public async Task Traces_metrics_and_logs_are_exported_over_otlp_http_protobuf()
    {
        var receiver = new OtlpReceiver();
        await using var collector = await TestApp.StartPlainAsync(receiver.Map);

        await using (var app = await TestApp.StartAsync(
            new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Address.ToString(),
                ["OTEL_SERVICE_NAME"] = "otlp-probe",
                ["OTEL_RESOURCE_ATTRIBUTES"] = "service.instance.id=otlp-probe-7",
            },
            builder => builder.AddServiceDefaults(),
            app => app.MapGet("/work", (ILogger<TelemetryFunctionalTests> logger) =>
            {
                TestMetrics.WorkDone.Add(1);
                logger.LogInformation("probe work done {Answer}", 42);
                return "done";
            })))
        {
            using var client = new HttpClient { BaseAddress = app.Address };
            Assert.Equal("done", await client.GetStringAsync("/work"));
        }

        // Disposing the app flushed every provider; the batches have arrived by now.
        foreach (var signal in new[] { "traces", "metrics", "logs" })
        {
            var posts = receiver.Posts(signal);
            Assert.NotEmpty(posts);
            Assert.All(posts, post => Assert.Equal("application/x-protobuf", post.ContentType));
            Assert.Contains(posts, post => post.Contains("otlp-probe-7") && post.Contains("otlp-probe"));
        }

        Assert.Contains(receiver.Posts("traces"), post => post.Contains("GET /work"));
        Assert.Contains(receiver.Posts("metrics"), post => post.Contains(TestMetrics.WorkDoneName));
        Assert.Contains(receiver.Posts("logs"), post => post.Contains("probe work done 42"));
    }

    private sealed record TraceView(string? TraceId, string TraceParent);

    private sealed record HopView(string? FrontendTraceId, TraceView Backend);

    private static class TestMetrics
    {
        public const string WorkDoneName = "montage.tests.work_done";

        private static readonly Meter Meter = new("Montage.ServiceDefaults.Tests");

        public static readonly Counter<long> WorkDone = Meter.CreateCounter<long>(WorkDoneName);
    }
}
