namespace Montage.Grpc.Client;

/// <summary>Per-call settings: request metadata, deadline, cancellation and write options.</summary>
public readonly record struct CallOptions
{
    public CallOptions(Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default, WriteOptions? writeOptions = null)
    {
        Headers = headers;
        Deadline = deadline;
        CancellationToken = cancellationToken;
        WriteOptions = writeOptions;
    }

    /// <summary>Custom request metadata, sent as HTTP/2 headers.</summary>
    public Metadata? Headers { get; init; }

    /// <summary>
    /// When the call must be over, in UTC. Sent as <c>grpc-timeout</c> and enforced locally: the call fails with
    /// DEADLINE_EXCEEDED at that time even if the server never answers. Null or <see cref="DateTime.MaxValue"/>: none.
    /// </summary>
    public DateTime? Deadline { get; init; }

    /// <summary>Cancels the call (the HTTP/2 stream is reset); the call then fails with CANCELLED.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Options for the request messages, e.g. to send them uncompressed.</summary>
    public WriteOptions? WriteOptions { get; init; }

    public CallOptions WithHeaders(Metadata headers) => this with { Headers = headers };

    public CallOptions WithDeadline(DateTime deadline) => this with { Deadline = deadline };

    public CallOptions WithCancellationToken(CancellationToken cancellationToken) => this with { CancellationToken = cancellationToken };
}
