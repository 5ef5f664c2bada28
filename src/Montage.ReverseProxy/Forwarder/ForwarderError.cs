namespace Montage.ReverseProxy.Forwarder;

/// <summary>What went wrong while forwarding a request, as YARP's enum of the same name.</summary>
public enum ForwarderError
{
    None,

    /// <summary>The upstream could not be reached or failed before its response headers.</summary>
    Request,

    /// <summary>No response headers (or no activity) within the cluster's activity timeout.</summary>
    RequestTimedOut,

    /// <summary>The client went away before the response headers arrived.</summary>
    RequestCanceled,

    /// <summary>Reading the client's request body failed (client reset or malformed body).</summary>
    RequestBodyClient,

    /// <summary>Sending the request body to the upstream failed.</summary>
    RequestBodyDestination,

    /// <summary>The client went away while the response body was being copied.</summary>
    ResponseBodyClient,

    /// <summary>The upstream failed while its response body was being copied.</summary>
    ResponseBodyDestination,

    /// <summary>The cluster has no destination that resolves to an address.</summary>
    NoAvailableDestinations,
}

/// <summary>Set on the request's features when forwarding failed, as YARP's feature of the same name.</summary>
public interface IForwarderErrorFeature
{
    ForwarderError Error { get; }

    Exception? Exception { get; }
}

internal sealed class ForwarderErrorFeature(ForwarderError error, Exception? exception) : IForwarderErrorFeature
{
    public ForwarderError Error { get; } = error;

    public Exception? Exception { get; } = exception;
}
