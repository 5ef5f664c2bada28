namespace Montage.Grpc.Client;

/// <summary>What a channel computes once per method: the request URI and the names used by telemetry.</summary>
internal sealed class CallTarget(Uri uri, string serviceName, string methodName)
{
    public Uri Uri { get; } = uri;

    public string ServiceName { get; } = serviceName;

    public string MethodName { get; } = methodName;

    /// <summary>The client span name, "<c>service/method</c>".</summary>
    public string ActivityName { get; } = serviceName + "/" + methodName;
}
