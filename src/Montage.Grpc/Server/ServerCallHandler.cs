using System.Diagnostics;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Montage.Grpc.Protocol;

namespace Montage.Grpc.Server;

internal delegate Task<TResponse> UnaryServerMethod<in TService, in TRequest, TResponse>(TService service, TRequest request, ServerCallContext context);

internal delegate Task ServerStreamingServerMethod<in TService, in TRequest, out TResponse>(
    TService service, TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);

internal delegate Task<TResponse> ClientStreamingServerMethod<in TService, TRequest, TResponse>(
    TService service, IAsyncStreamReader<TRequest> requestStream, ServerCallContext context);

internal delegate Task DuplexStreamingServerMethod<in TService, TRequest, TResponse>(
    TService service, IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);

/// <summary>
/// The request delegate of one mapped method: checks the request is gRPC over HTTP/2, runs the handler with the
/// compiled delegate bound at startup, and ends the call with its status.
/// </summary>
internal sealed class ServerCallHandler<TService, TRequest, TResponse>
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly ServerMethodInfo _method;
    private readonly MessageParser<TRequest> _parser;
    private readonly ServiceActivator<TService> _activator;
    private readonly Delegate _invoker;

    public ServerCallHandler(ServerMethodInfo method, MessageParser<TRequest> parser, ServiceActivator<TService> activator, Delegate invoker)
    {
        _method = method;
        _parser = parser;
        _activator = activator;
        _invoker = invoker;
    }

    public Task HandleCallAsync(HttpContext httpContext)
    {
        var request = httpContext.Request;
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            ServerLog.UnsupportedContentType(_method.Logger, _method.FullName, request.ContentType);
            GrpcHttpResponses.WriteHttpError(
                httpContext.Response, StatusCodes.Status415UnsupportedMediaType, StatusCode.Internal, $"Content-Type '{request.ContentType}' is not supported.");
            return Task.CompletedTask;
        }

        var protocol = request.Protocol;
        if (!HttpProtocol.IsHttp2(protocol) && !HttpProtocol.IsHttp3(protocol))
        {
            ServerLog.UnsupportedProtocol(_method.Logger, _method.FullName, protocol);
            GrpcHttpResponses.WriteHttpError(
                httpContext.Response, StatusCodes.Status426UpgradeRequired, StatusCode.Internal, $"Request protocol '{protocol}' is not supported.");
            httpContext.Response.Headers.Upgrade = request.IsHttps ? "h2" : "h2c";
            return Task.CompletedTask;
        }

        return HandleGrpcCallAsync(httpContext);
    }

    private async Task HandleGrpcCallAsync(HttpContext httpContext)
    {
        var start = Stopwatch.GetTimestamp();
        var activity = ServerTelemetry.StartCall(_method);
        var call = new ServerCall<TRequest, TResponse>(httpContext, _method, _parser);
        try
        {
            call.Initialize();
            Status status;
            try
            {
                await InvokeAsync(httpContext, call).ConfigureAwait(false);
                status = call.Status;
            }
            catch (Exception ex)
            {
                status = call.StatusFromException(ex);
            }

            await call.EndCallAsync(status).ConfigureAwait(false);
        }
        finally
        {
            await call.CleanupAsync().ConfigureAwait(false);
        }

        ServerTelemetry.EndCall(activity, _method, call.SentStatusCode, start);
    }

    private async Task InvokeAsync(HttpContext httpContext, ServerCall<TRequest, TResponse> call)
    {
        switch (_method.Type)
        {
            case MethodType.Unary:
            {
                var request = await call.ReadSingleRequestAsync().ConfigureAwait(false);
                var service = _activator.Create(httpContext);
                TResponse? response;
                try
                {
                    response = await ((UnaryServerMethod<TService, TRequest, TResponse>)_invoker)(service, request, call).ConfigureAwait(false);
                }
                finally
                {
                    await _activator.ReleaseAsync(service).ConfigureAwait(false);
                }

                await call.WriteSingleResponseAsync(response ?? throw NoMessageReturned()).ConfigureAwait(false);
                break;
            }

            case MethodType.ServerStreaming:
            {
                var request = await call.ReadSingleRequestAsync().ConfigureAwait(false);
                var service = _activator.Create(httpContext);
                try
                {
                    await ((ServerStreamingServerMethod<TService, TRequest, TResponse>)_invoker)(service, request, call, call).ConfigureAwait(false);
                }
                finally
                {
                    await _activator.ReleaseAsync(service).ConfigureAwait(false);
                }

                break;
            }

            case MethodType.ClientStreaming:
            {
                var service = _activator.Create(httpContext);
                TResponse? response;
                try
                {
                    response = await ((ClientStreamingServerMethod<TService, TRequest, TResponse>)_invoker)(service, call, call).ConfigureAwait(false);
                }
                finally
                {
                    await _activator.ReleaseAsync(service).ConfigureAwait(false);
                }

                await call.WriteSingleResponseAsync(response ?? throw NoMessageReturned()).ConfigureAwait(false);
                break;
            }

            default:
            {
                var service = _activator.Create(httpContext);
                try
                {
                    await ((DuplexStreamingServerMethod<TService, TRequest, TResponse>)_invoker)(service, call, call, call).ConfigureAwait(false);
                }
                finally
                {
                    await _activator.ReleaseAsync(service).ConfigureAwait(false);
                }

                break;
            }
        }
    }

    // As in Grpc.Core: a handler that returns null instead of a message cancels the call.
    private static RpcException NoMessageReturned() => new(StatusCode.Cancelled, "No message returned from method.");
}
