using System.Net;

namespace Montage.Providers.Http;

/// <summary>
/// Sends a seekable stream from a fixed position without taking ownership of it (StreamContent disposes its stream
/// with the request), so a retried upload can send the same bytes again.
/// </summary>
internal sealed class ReplayableStreamContent : HttpContent
{
    private readonly Stream stream;
    private readonly long start;

    public ReplayableStreamContent(Stream stream, long start)
    {
        this.stream = stream;
        this.start = start;
    }

    protected override async Task SerializeToStreamAsync(Stream target, TransportContext? context, CancellationToken cancellationToken)
    {
        stream.Position = start;
        await stream.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
    }

    protected override Task SerializeToStreamAsync(Stream target, TransportContext? context) =>
        SerializeToStreamAsync(target, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = stream.Length - start;
        return true;
    }
}
