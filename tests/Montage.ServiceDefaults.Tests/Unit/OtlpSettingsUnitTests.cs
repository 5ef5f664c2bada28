using Microsoft.Extensions.Configuration;
using Montage.ServiceDefaults.Telemetry;
using OpenTelemetry.Exporter;

namespace Montage.ServiceDefaults.Tests.Unit;

public sealed class OtlpSettingsUnitTests
{
    private static OtlpSettings Read(params (string Key, string Value)[] entries) => OtlpSettings.FromConfiguration(
        new ConfigurationBuilder().AddInMemoryCollection(entries.Select(e => new KeyValuePair<string, string?>(e.Key, e.Value))).Build(),
        "app-name");

    [Fact]
    public void Without_an_endpoint_nothing_is_exported()
    {
        Assert.False(Read().IsExporting);
    }

    [Fact]
    public void Protocol_defaults_to_http_protobuf()
    {
        Assert.Equal(OtlpExportProtocol.HttpProtobuf, Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318")).Protocol);
    }

    [Fact]
    public void Protocol_grpc_is_honoured_and_uses_the_base_endpoint()
    {
        var settings = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));

        Assert.Equal(OtlpExportProtocol.Grpc, settings.Protocol);
        Assert.Equal(new Uri("http://localhost:4317"), settings.SignalEndpoint("v1/traces"));
    }

    [Fact]
    public void Unsupported_protocol_fails_with_the_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read(("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")));

        Assert.Contains("OTEL_EXPORTER_OTLP_PROTOCOL", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:4318", "http://localhost:4318/v1/traces")]
    [InlineData("http://localhost:4318/", "http://localhost:4318/v1/traces")]
    [InlineData("http://collector:4318/otlp", "http://collector:4318/otlp/v1/traces")]
    public void Http_signal_paths_are_appended_to_the_base(string endpoint, string expected)
    {
        Assert.Equal(new Uri(expected), Read(("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)).SignalEndpoint("v1/traces"));
    }

    [Fact]
    public void Service_name_and_instance_come_from_the_standard_variables()
    {
        var settings = Read(
            ("OTEL_SERVICE_NAME", "jobs"),
            ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=dev, service.instance.id=jobs-1%2Drun7"));

        Assert.Equal("jobs", settings.ServiceName);
        Assert.Equal("jobs-1-run7", settings.ServiceInstanceId);
    }

    [Fact]
    public void Service_name_falls_back_to_the_application_name_and_the_instance_is_generated()
    {
        var settings = Read();

        Assert.Equal("app-name", settings.ServiceName);
        Assert.False(string.IsNullOrWhiteSpace(settings.ServiceInstanceId));
    }

    [Fact]
    public void Separate_instance_id_variable_is_the_fallback()
    {
        Assert.Equal("worker-3", Read(("OTEL_SERVICE_INSTANCE_ID", "worker-3")).ServiceInstanceId);
    }
}
