namespace Montage.ReverseProxy.Configuration;

/// <summary>A group of equivalent destinations, as YARP's <c>ReverseProxy:Clusters:&lt;id&gt;</c>.</summary>
public sealed record ClusterConfig
{
    /// <summary>The cluster's id (the configuration key).</summary>
    public string ClusterId { get; init; } = "";

    /// <summary>Destination name to address; requests take them in turn.</summary>
    public IReadOnlyDictionary<string, DestinationConfig>? Destinations { get; init; }

    /// <summary>How requests to this cluster are sent.</summary>
    public ForwarderRequestConfig? HttpRequest { get; init; }
}

/// <summary>One upstream, as YARP's <c>DestinationConfig</c>.</summary>
public sealed record DestinationConfig
{
    /// <summary>
    /// The destination prefix, e.g. <c>http://127.0.0.1:5001</c> or a logical service address resolved through
    /// service discovery, e.g. <c>http://_grpc.jobs</c>.
    /// </summary>
    public string Address { get; init; } = "";
}

/// <summary>As YARP's <c>ForwarderRequestConfig</c>.</summary>
public sealed record ForwarderRequestConfig
{
    /// <summary>
    /// Longest time without any activity (the response headers not yet arrived) before the request fails with 504.
    /// Null: no limit, so that long-lived gRPC streams are not cut; deadlines belong to the caller (grpc-timeout).
    /// </summary>
    public TimeSpan? ActivityTimeout { get; init; }

    /// <summary>HTTP version of upstream requests; null: 2.0.</summary>
    public Version? Version { get; init; }

    /// <summary>
    /// Null: <see cref="HttpVersionPolicy.RequestVersionOrLower"/>, as YARP. For gRPC over cleartext (h2c with prior
    /// knowledge) use <see cref="HttpVersionPolicy.RequestVersionExact"/>; gRPC requests always use it.
    /// </summary>
    public HttpVersionPolicy? VersionPolicy { get; init; }
}
