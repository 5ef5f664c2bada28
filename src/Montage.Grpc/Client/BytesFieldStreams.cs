namespace Montage.Grpc.Client;

/// <summary>What <see cref="IBytesFieldStreamReader{T}.ReadBytesFieldOrMessageAsync"/> found.</summary>
public enum BytesFieldRead
{
    /// <summary>The stream ended (with an OK status).</summary>
    End,

    /// <summary>A message of the one bytes field: its bytes are in <see cref="IBytesFieldStreamReader{T}.CurrentBytes"/>.</summary>
    Bytes,

    /// <summary>Any other message, parsed: it is in <see cref="IAsyncStreamReader{T}.Current"/>.</summary>
    Message,
}

/// <summary>
/// A response stream that can hand over a message made of one <c>bytes</c> field without parsing it: the bytes are
/// read in place from the transport's buffer instead of being copied into a new message (for byte-heavy streams such
/// as downloads). The response streams of <see cref="GrpcChannel"/> calls implement it.
/// </summary>
public interface IBytesFieldStreamReader<out T> : IAsyncStreamReader<T>
{
    /// <summary>The bytes of the last <see cref="BytesFieldRead.Bytes"/> read; valid only until the next read.</summary>
    ReadOnlyMemory<byte> CurrentBytes { get; }

    /// <summary>
    /// Reads the next message. An uncompressed message that holds exactly field <paramref name="fieldNumber"/>
    /// (length-delimited) and nothing else is returned as <see cref="BytesFieldRead.Bytes"/>; any other message is
    /// parsed as by <see cref="IAsyncStreamReader{T}.MoveNext"/>. Errors and statuses are those of <c>MoveNext</c>.
    /// </summary>
    Task<BytesFieldRead> ReadBytesFieldOrMessageAsync(int fieldNumber, CancellationToken cancellationToken);
}

/// <summary>
/// A request stream that can send a message made of one <c>bytes</c> field straight from the caller's memory, without
/// building and serialising a message (which copies the bytes once more). The request streams of
/// <see cref="GrpcChannel"/> calls implement it.
/// </summary>
public interface IBytesFieldStreamWriter<in T> : IClientStreamWriter<T>
{
    /// <summary>
    /// Sends the message that holds only field <paramref name="fieldNumber"/> = <paramref name="bytes"/>, exactly as
    /// <c>WriteAsync</c> would send that message (limits, compression, errors). <paramref name="bytes"/> must stay
    /// unchanged until the returned task completes.
    /// </summary>
    Task WriteBytesFieldAsync(int fieldNumber, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default);
}
