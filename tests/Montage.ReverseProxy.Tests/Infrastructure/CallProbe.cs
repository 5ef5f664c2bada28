using System.Collections.Concurrent;
using Montage.Grpc;
using Montage.Grpc.Testing;
using Montage.Grpc.Testing.V1;

namespace Montage.ReverseProxy.Tests.Infrastructure;

/// <summary>Records, per call id (request header <c>x-probe-id</c>), that an upstream handler started and saw its cancellation.</summary>
public sealed class CallProbe
{
    public const string Header = "x-probe-id";

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelled = new();

    public Task WhenStarted(string id) => Get(_started, id).Task;

    public Task WhenCancelled(string id) => Get(_cancelled, id).Task;

    public CancellationTokenRegistration Observe(ServerCallContext context)
    {
        var id = context.RequestHeaders.GetValue(Header);
        if (id is null)
        {
            return default;
        }

        Get(_started, id).TrySetResult();
        return context.CancellationToken.Register(() => Get(_cancelled, id).TrySetResult());
    }

    private static TaskCompletionSource Get(ConcurrentDictionary<string, TaskCompletionSource> map, string id) =>
        map.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>The sample echo service, observed: the tests see from the upstream side that a call was canceled.</summary>
public sealed class ObservedEchoService(CallProbe probe) : EchoService
{
    public override async Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
    {
        using var observation = probe.Observe(context);
        return await base.Echo(request, context);
    }

    public override async Task Duplex(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        using var observation = probe.Observe(context);
        await base.Duplex(requestStream, responseStream, context);
    }

    public override async Task ServerStream(StreamRequest request, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        using var observation = probe.Observe(context);
        await base.ServerStream(request, responseStream, context);
    }
}
