using Polly;

namespace Montage.ServiceDefaults.Resilience;

/// <summary>Runs every request of a client through its resilience pipeline.</summary>
public sealed class ResilienceHandler(ResiliencePipeline<HttpResponseMessage> pipeline) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // gRPC carries its own deadline (grpc-timeout) and retry rules, and its streams and
        // long polls outlive any attempt timeout that suits plain HTTP: leave it alone.
        if (IsGrpc(request))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(HttpResiliencePipelineFactory.RequestKey, request);
        try
        {
            // Every attempt sends the same message: content must be re-readable (the common
            // buffered kinds are; a one-shot stream is not, so do not retry such requests).
            return await pipeline.ExecuteAsync(
                static (context, state) => new ValueTask<HttpResponseMessage>(state.Handler.SendOnceAsync(state.Request, context.CancellationToken)),
                context,
                (Handler: this, Request: request)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static bool IsGrpc(HttpRequestMessage request) =>
        request.Content?.Headers.ContentType?.MediaType is { } mediaType
        && mediaType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    private Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);
}
