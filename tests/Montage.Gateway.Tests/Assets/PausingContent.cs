using System.Net;

namespace Montage.Gateway.Tests.Assets;

/// <summary>
/// A request body sent in two halves: after the first it waits for the test's go-ahead. While it waits the client
/// has not finished the request, so whatever the server has done with the first half it did while streaming.
/// </summary>
public sealed class PausingContent(byte[] bytes, bool declareLength) : HttpContent
{
    private readonly TaskCompletionSource _firstHalfSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task FirstHalfSent => _firstHalfSent.Task;

    public void Resume() => _resume.TrySetResult();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var half = bytes.Length / 2;
        await stream.WriteAsync(bytes.AsMemory(0, half));
        await stream.FlushAsync();
        _firstHalfSent.TrySetResult();
        await _resume.Task.WaitAsync(TimeSpan.FromMinutes(3));
        await stream.WriteAsync(bytes.AsMemory(half));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = bytes.Length;
        return declareLength;
    }
}
