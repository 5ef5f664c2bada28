using Microsoft.AspNetCore.Http;

namespace Montage.Grpc;

/// <summary>
/// What a service handler knows about its call, with the members of Grpc.Core's ServerCallContext.
/// Abstract so that handlers can be unit-tested with a hand-made context.
/// </summary>
public abstract class ServerCallContext
{
    /// <summary>The full method name: <c>/package.Service/Method</c>.</summary>
    public abstract string Method { get; }

    /// <summary>The authority the client called (the HTTP/2 <c>:authority</c>).</summary>
    public abstract string Host { get; }

    /// <summary>The client's address, e.g. <c>ipv4:127.0.0.1:50312</c> or <c>ipv6:[::1]:50312</c>.</summary>
    public abstract string Peer { get; }

    /// <summary>When the call times out (UTC), from <c>grpc-timeout</c>; <see cref="DateTime.MaxValue"/> without one.</summary>
    public abstract DateTime Deadline { get; }

    /// <summary>Cancelled when the deadline passes, the client resets the stream, or the server shuts down.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>The request's custom metadata (protocol headers excluded; <c>-bin</c> values decoded).</summary>
    public abstract Metadata RequestHeaders { get; }

    /// <summary>Metadata sent as trailers with the final status.</summary>
    public abstract Metadata ResponseTrailers { get; }

    /// <summary>The status the call ends with when the handler returns normally.</summary>
    public abstract Status Status { get; set; }

    /// <summary>Options for the response messages, e.g. to send them uncompressed.</summary>
    public abstract WriteOptions? WriteOptions { get; set; }

    /// <summary>State a handler or its helpers attach to the call.</summary>
    public abstract IDictionary<object, object> UserState { get; }

    /// <summary>Sends the response headers now, with this metadata; at most once, before the first message.</summary>
    public abstract Task WriteResponseHeadersAsync(Metadata responseHeaders);

    /// <summary>The ASP.NET Core request that carries this call.</summary>
    public abstract HttpContext GetHttpContext();
}
