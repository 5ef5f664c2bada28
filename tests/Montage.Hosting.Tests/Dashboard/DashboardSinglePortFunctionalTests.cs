using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Montage.Hosting.Dashboard;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Metrics.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Common.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Metrics.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Resource.V1;

namespace Montage.Hosting.Tests.Dashboard;

/// <summary>A dashboard started without a separate OTLP port and without a configured token or API key.</summary>
public sealed class DashboardSinglePortFunctionalTests : IAsyncLifetime
{
    private DashboardHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await DashboardHost.StartAsync(new DashboardOptions { Url = "http://127.0.0.1:0", OtlpHttpUrl = null }, new FakeResourceSource(SampleResources.All()));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Otlp_is_served_on_the_dashboard_port_without_login_while_pages_still_need_it()
    {
        Assert.Equal(_host.Url, _host.OtlpEndpoint);
        Assert.Matches("^[0-9a-f]{32}$", _host.LoginToken);
        Assert.Equal(_host.Url.ToString().TrimEnd('/'), _host.OtlpEnvironment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("http/protobuf", _host.OtlpEnvironment["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.False(_host.OtlpEnvironment.ContainsKey("OTEL_EXPORTER_OTLP_HEADERS"));

        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var request = new ExportMetricsServiceRequest
        {
            ResourceMetrics =
            {
                new ResourceMetrics
                {
                    Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "assets" } } } },
                    ScopeMetrics =
                    {
                        new ScopeMetrics
                        {
                            Metrics = { new Metric { Name = "assets.stored", Gauge = new Gauge { DataPoints = { new NumberDataPoint { TimeUnixNano = 1, AsDouble = 3.5 } } } } },
                        },
                    },
                },
            },
        };
        using var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");

        using var posted = await client.PostAsync(new Uri(_host.OtlpEndpoint, "v1/metrics"), content);
        using var page = await client.GetAsync(_host.Url);

        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.NotNull(ExportMetricsServiceResponse.Parser.ParseFrom(await posted.Content.ReadAsByteArrayAsync()));
        Assert.Equal(3.5, _host.Telemetry.Metrics.Get("assets", "", "assets.stored")!.Series[0].Latest.Value);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
    }
}
