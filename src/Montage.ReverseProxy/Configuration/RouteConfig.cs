namespace Montage.ReverseProxy.Configuration;

/// <summary>
/// One route, as YARP's <c>ReverseProxy:Routes:&lt;id&gt;</c>: which requests it matches and the cluster they go to.
/// </summary>
public sealed record RouteConfig
{
    /// <summary>The route's id (the configuration key).</summary>
    public string RouteId { get; init; } = "";

    /// <summary>The cluster that receives the matched requests.</summary>
    public string? ClusterId { get; init; }

    /// <summary>What a request must look like to take this route.</summary>
    public RouteMatch Match { get; init; } = new();

    /// <summary>
    /// YARP's values: empty (the endpoint's fallback policy), <c>"default"</c> (the default policy, usually
    /// "authenticated"), <c>"anonymous"</c> (no authorization), or the name of a registered policy.
    /// </summary>
    public string? AuthorizationPolicy { get; init; }

    /// <summary>Routing order: lower values are tried first when several routes match.</summary>
    public int? Order { get; init; }
}

/// <summary>As YARP's <c>RouteMatch</c>.</summary>
public sealed record RouteMatch
{
    /// <summary>An ASP.NET Core route template, e.g. <c>/montage.jobs.v1.JobTracker/{**catch-all}</c>.</summary>
    public string? Path { get; init; }

    /// <summary>HTTP methods allowed; null or empty: any.</summary>
    public IReadOnlyList<string>? Methods { get; init; }

    /// <summary>Host names allowed (with optional port); null or empty: any.</summary>
    public IReadOnlyList<string>? Hosts { get; init; }
}
