using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace Montage.ServiceDefaults.Telemetry;

/// <summary>
/// Where and how telemetry is exported, read from the standard OpenTelemetry environment variables.
/// </summary>
public sealed record OtlpSettings(Uri? Endpoint, OtlpExportProtocol Protocol, string ServiceName, string ServiceInstanceId)
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolKey = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string ServiceNameKey = "OTEL_SERVICE_NAME";
    public const string ResourceAttributesKey = "OTEL_RESOURCE_ATTRIBUTES";

    /// <summary>Fallback for hosts that pass the instance id on its own rather than as a resource attribute.</summary>
    public const string ServiceInstanceIdKey = "OTEL_SERVICE_INSTANCE_ID";

    /// <summary>True when an endpoint is configured; without one nothing is exported.</summary>
    public bool IsExporting => Endpoint is not null;

    public static OtlpSettings FromConfiguration(IConfiguration configuration, string applicationName)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        var attributes = ParseResourceAttributes(configuration[ResourceAttributesKey]);
        var serviceName = NonEmpty(configuration[ServiceNameKey])
            ?? attributes.GetValueOrDefault("service.name")
            ?? applicationName;
        var instanceId = attributes.GetValueOrDefault("service.instance.id")
            ?? NonEmpty(configuration[ServiceInstanceIdKey])
            ?? Guid.NewGuid().ToString("N");

        return new OtlpSettings(ParseEndpoint(configuration[EndpointKey]), ParseProtocol(configuration[ProtocolKey]), serviceName, instanceId);
    }

    /// <summary>
    /// The URL one signal is posted to. Over HTTP the signal path is appended to the base endpoint
    /// (as the specification says for OTEL_EXPORTER_OTLP_ENDPOINT); gRPC uses the base as is.
    /// </summary>
    public Uri SignalEndpoint(string signalPath)
    {
        if (Endpoint is null)
        {
            throw new InvalidOperationException($"{EndpointKey} is not set.");
        }

        if (Protocol != OtlpExportProtocol.HttpProtobuf)
        {
            return Endpoint;
        }

        var baseUrl = Endpoint.AbsoluteUri.TrimEnd('/');
        return new Uri($"{baseUrl}/{signalPath}");
    }

    internal static Dictionary<string, string> ParseResourceAttributes(string? value)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(value))
        {
            return attributes;
        }

        foreach (var pair in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                continue;
            }

            var key = pair[..separator].Trim();
            var attributeValue = Uri.UnescapeDataString(pair[(separator + 1)..].Trim());
            if (attributeValue.Length > 0)
            {
                attributes[key] = attributeValue;
            }
        }

        return attributes;
    }

    private static Uri? ParseEndpoint(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var endpoint)
            || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"{EndpointKey} must be an absolute http or https URL, got '{value}'.");
        }

        return endpoint;
    }

    // Montage's dashboard receives OTLP over HTTP/protobuf only, so that is the default here,
    // unlike the OpenTelemetry SDK whose default is gRPC.
    private static OtlpExportProtocol ParseProtocol(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
        "grpc" => OtlpExportProtocol.Grpc,
        _ => throw new InvalidOperationException($"{ProtocolKey} '{value}' is not supported; use 'http/protobuf' or 'grpc'."),
    };

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
