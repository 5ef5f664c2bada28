using Google.Protobuf;
using Montage.Grpc;
using Montage.Grpc.Client;

namespace Montage.Clients;

/// <summary>
/// What every typed client shares: the call invoker and the deadline given to calls whose options carry none, so
/// that no call waits forever on a service that stopped answering.
/// </summary>
public abstract class TypedClient(CallInvoker invoker)
{
    /// <summary>The deadline of a call made without one.</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The invoker the calls go through.</summary>
    protected CallInvoker Invoker { get; } = invoker ?? throw new ArgumentNullException(nameof(invoker));

    /// <summary>Options with <paramref name="cancellationToken"/> and the default deadline.</summary>
    protected CallOptions Options(CancellationToken cancellationToken) =>
        new(deadline: DateTime.UtcNow.Add(DefaultTimeout), cancellationToken: cancellationToken);

    /// <summary>Makes a unary call and awaits its response.</summary>
    protected async Task<TResponse> UnaryAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(request);
        using var call = Invoker.AsyncUnaryCall(method, null, options.Deadline is null ? options.WithDeadline(DateTime.UtcNow.Add(DefaultTimeout)) : options, request);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>The method <paramref name="name"/> of <paramref name="service"/>, typed.</summary>
    protected static Method<TRequest, TResponse> MethodOf<TRequest, TResponse>(Google.Protobuf.Reflection.ServiceDescriptor service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(service);
        return Method<TRequest, TResponse>.FromDescriptor(service.FindMethodByName(name)
            ?? throw new InvalidOperationException($"{service.FullName} has no method {name}."));
    }
}
