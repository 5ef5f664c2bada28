using System.Runtime.CompilerServices;

namespace Montage.Grpc.Client;

/// <summary>A unary call in flight. Awaiting it gives the response or throws <see cref="RpcException"/>.</summary>
public sealed class AsyncUnaryCall<TResponse> : IDisposable
{
    private readonly IClientCall _call;

    internal AsyncUnaryCall(Task<TResponse> responseAsync, IClientCall call)
    {
        ResponseAsync = responseAsync;
        _call = call;
    }

    public Task<TResponse> ResponseAsync { get; }

    /// <summary>The response headers; throws <see cref="RpcException"/> if the call failed before they arrived.</summary>
    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    public ConfiguredTaskAwaitable<TResponse> ConfigureAwait(bool continueOnCapturedContext) => ResponseAsync.ConfigureAwait(continueOnCapturedContext);

    /// <summary>The final status; throws <see cref="InvalidOperationException"/> while the call is in flight.</summary>
    public Status GetStatus() => _call.GetStatus();

    /// <summary>The trailing metadata; throws <see cref="InvalidOperationException"/> while the call is in flight.</summary>
    public Metadata GetTrailers() => _call.GetTrailers();

    /// <summary>Cancels the call if it is still in flight and releases its resources.</summary>
    public void Dispose() => _call.Dispose();
}
