using System.Buffers;
using System.Net;

namespace Montage.ReverseProxy.Forwarder;

/// <summary>
/// The client's request body as upstream request content, copied as it arrives (never buffered whole) and flushed
/// after every read so that each gRPC message of a stream reaches the upstream at once. HTTP/2 lets the upstream
/// answer while this is still running, which is what makes duplex calls work.
/// </summary>
internal sealed class StreamCopyHttpContent(Stream source, ActivityTimer activity, CancellationToken cancellationToken) : HttpContent
{
    private const int BufferSize = 64 * 1024;
    private readonly TaskCompletionSource<StreamCopyResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    /// <summary>Completes when the copy ended, with how.</summary>
    public Task<StreamCopyResult> Completion => _completion.Task;

    /// <summary>Whether the HTTP stack started sending the body (it may not, when the upstream fails first).</summary>
    public bool Started => Volatile.Read(ref _started) == 1;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken1)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("The request body can be sent only once.");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, cancellationToken1);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var reading = true;
        try
        {
            while (true)
            {
                reading = true;
                var read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), linked.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                activity.Reset();
                reading = false;
                await stream.WriteAsync(buffer.AsMemory(0, read), linked.Token).ConfigureAwait(false);
                await stream.FlushAsync(linked.Token).ConfigureAwait(false);
            }

            _completion.TrySetResult(StreamCopyResult.Success);
        }
        catch (Exception exception)
        {
            _completion.TrySetResult(linked.IsCancellationRequested ? StreamCopyResult.Canceled(exception)
                : reading ? StreamCopyResult.InputFailed(exception) : StreamCopyResult.OutputFailed(exception));

            // Failing the content makes the HTTP stack reset the upstream stream, which is how a client's reset
            // reaches the upstream.
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}

/// <summary>How a body copy ended, and on which side it failed.</summary>
internal readonly record struct StreamCopyResult(StreamCopyOutcome Outcome, Exception? Exception)
{
    public static readonly StreamCopyResult Success = new(StreamCopyOutcome.Success, null);

    public static StreamCopyResult InputFailed(Exception exception) => new(StreamCopyOutcome.InputError, exception);

    public static StreamCopyResult OutputFailed(Exception exception) => new(StreamCopyOutcome.OutputError, exception);

    public static StreamCopyResult Canceled(Exception exception) => new(StreamCopyOutcome.Canceled, exception);
}

internal enum StreamCopyOutcome
{
    Success,
    InputError,
    OutputError,
    Canceled,
}
