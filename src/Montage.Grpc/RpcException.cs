namespace Montage.Grpc;

/// <summary>
/// A call that ended with a non-OK status. Thrown by the client for a failed call, and thrown by a service
/// handler to end its call with a precise status (anything else a handler throws becomes INTERNAL).
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status)
        : this(status, new Metadata())
    {
    }

    public RpcException(Status status, Metadata trailers)
        : base(status.ToString())
    {
        Status = status;
        Trailers = trailers;
    }

    public RpcException(StatusCode code, string detail)
        : this(new Status(code, detail))
    {
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>Trailing metadata of the failed call (server side: extra trailers to send).</summary>
    public Metadata Trailers { get; }
}
