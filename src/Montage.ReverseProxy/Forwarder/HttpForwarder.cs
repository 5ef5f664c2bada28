using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;
using Montage.ReverseProxy.Configuration;

namespace Montage.ReverseProxy.Forwarder;

/// <summary>
/// Forwards with <see cref="HttpMessageInvoker"/> (which returns at the response headers, never buffering): the
/// request body is copied by the HTTP stack while this copies the response body, so both directions run at once.
/// Cancellation flows both ways: the client's reset cancels the upstream request (an HTTP/2 RST_STREAM), and an
/// upstream that fails mid-stream ends the client's call with a gRPC status or an aborted stream, never a body that
/// looks complete.
/// </summary>
internal sealed class HttpForwarder(ILogger<HttpForwarder> logger) : IHttpForwarder
{
    private const int BufferSize = 64 * 1024;

    public async ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(destinationPrefix);
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(requestConfig);
        ArgumentNullException.ThrowIfNull(transformer);

        var isGrpc = GrpcFailure.IsGrpcRequest(context.Request);
        LiftStreamingLimits(context);
        using var activity = new ActivityTimer(requestConfig.ActivityTimeout, context.RequestAborted);

        using var proxyRequest = new HttpRequestMessage(new HttpMethod(context.Request.Method), (Uri?)null)
        {
            // gRPC is HTTP/2 only; over cleartext that means prior knowledge, which only the exact policy uses.
            Version = isGrpc ? HttpVersion.Version20 : requestConfig.Version ?? HttpVersion.Version20,
            VersionPolicy = isGrpc ? HttpVersionPolicy.RequestVersionExact : requestConfig.VersionPolicy ?? HttpVersionPolicy.RequestVersionOrLower,
        };
        StreamCopyHttpContent? requestContent = null;
        if (HasBody(context))
        {
            requestContent = new StreamCopyHttpContent(context.Request.Body, activity, activity.Token);
            proxyRequest.Content = requestContent;
        }

        await transformer.TransformRequestAsync(context, proxyRequest, destinationPrefix, activity.Token).ConfigureAwait(false);

        HttpResponseMessage response;
        try
        {
            response = await httpClient.SendAsync(proxyRequest, activity.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException)
        {
            activity.ObserveCancellation(context.RequestAborted);
            var error = await ClassifyRequestFailureAsync(context, activity, requestContent).ConfigureAwait(false);
            return await FailAsync(context, isGrpc, destinationPrefix, error, exception).ConfigureAwait(false);
        }

        using (response)
        {
            try
            {
                if (!await transformer.TransformResponseAsync(context, response, activity.Token).ConfigureAwait(false))
                {
                    return ForwarderError.None;
                }
            }
            catch (OperationCanceledException exception)
            {
                return await FailAsync(context, isGrpc, destinationPrefix, ForwarderError.RequestCanceled, exception).ConfigureAwait(false);
            }

            var error = await CopyResponseAsync(context, response, isGrpc, activity).ConfigureAwait(false);
            if (error == ForwarderError.None)
            {
                await transformer.TransformResponseTrailersAsync(context, response, activity.Token).ConfigureAwait(false);
            }

            // The response is over: a request body still being copied (the upstream answered before the client
            // finished sending) is stopped rather than left running.
            activity.Cancel();
            if (requestContent is { Started: true })
            {
                await requestContent.Completion.ConfigureAwait(false);
            }

            return error;
        }
    }

    private async Task<ForwarderError> CopyResponseAsync(HttpContext context, HttpResponseMessage response, bool isGrpc, ActivityTimer activity)
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        // A trailers-only gRPC answer (its status already in the headers) must stay one HEADERS frame.
        var trailersOnly = isGrpc && response.Headers.Contains("grpc-status");
        if (trailersOnly)
        {
            return ForwarderError.None;
        }

        var reading = true;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            // Headers go out at once: a streaming call's client may wait for them before the first message.
            reading = false;
            await context.Response.StartAsync(activity.Token).ConfigureAwait(false);
            reading = true;
            var source = await response.Content.ReadAsStreamAsync(activity.Token).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                while (true)
                {
                    reading = true;
                    var read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), activity.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return ForwarderError.None;
                    }

                    activity.Reset();
                    reading = false;
                    await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), activity.Token).ConfigureAwait(false);
                    await context.Response.Body.FlushAsync(activity.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            activity.ObserveCancellation(context.RequestAborted);
            var error = context.RequestAborted.IsCancellationRequested || !reading ? ForwarderError.ResponseBodyClient
                : activity.TimedOut ? ForwarderError.RequestTimedOut
                : ForwarderError.ResponseBodyDestination;
            EndBrokenResponse(context, isGrpc, error);
            context.Features.Set<IForwarderErrorFeature>(new ForwarderErrorFeature(error, exception));
            ForwarderLog.ResponseBodyFailed(logger, context.Request.Method, context.Request.Path.Value ?? "", DestinationOf(response), error, exception);
            return error;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A gRPC call broken by the upstream mid-stream still ends with a status the client understands; anything
    /// else is aborted, so that a truncated body never looks complete.
    /// </summary>
    private static void EndBrokenResponse(HttpContext context, bool isGrpc, ForwarderError error)
    {
        if (error == ForwarderError.ResponseBodyClient)
        {
            return;
        }

        if (isGrpc && context.Response.SupportsTrailers())
        {
            var (code, message) = error == ForwarderError.RequestTimedOut
                ? (GrpcFailure.DeadlineExceeded, "The upstream service stopped answering.")
                : (GrpcFailure.Unavailable, "The upstream service ended the call abruptly.");
            context.Response.AppendTrailer("grpc-status", code.ToString(System.Globalization.CultureInfo.InvariantCulture));
            context.Response.AppendTrailer("grpc-message", Uri.EscapeDataString(message));
            return;
        }

        context.Abort();
    }

    private static async Task<ForwarderError> ClassifyRequestFailureAsync(HttpContext context, ActivityTimer activity, StreamCopyHttpContent? requestContent)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            return ForwarderError.RequestCanceled;
        }

        if (activity.TimedOut)
        {
            return ForwarderError.RequestTimedOut;
        }

        if (requestContent is { Started: true })
        {
            // The failed send ended the copy too (or is about to); which side broke decides who is to blame.
            var copy = await requestContent.Completion.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            if (copy.Outcome == StreamCopyOutcome.InputError)
            {
                return ForwarderError.RequestBodyClient;
            }
        }

        return ForwarderError.Request;
    }

    private async ValueTask<ForwarderError> FailAsync(HttpContext context, bool isGrpc, string destinationPrefix, ForwarderError error, Exception exception)
    {
        // A connect timeout surfaces as an HttpRequestException around a TimeoutException: a gateway timeout, not a refusal.
        if (error == ForwarderError.Request && HasTimeout(exception))
        {
            error = ForwarderError.RequestTimedOut;
        }

        context.Features.Set<IForwarderErrorFeature>(new ForwarderErrorFeature(error, exception));
        ForwarderLog.RequestFailed(logger, context.Request.Method, context.Request.Path.Value ?? "", destinationPrefix, error, error == ForwarderError.RequestCanceled ? null : exception);
        await UpstreamFailureResponse.WriteAsync(context, isGrpc, error).ConfigureAwait(false);
        return error;
    }

    private static bool HasTimeout(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;

    /// <summary>
    /// A forwarded stream may be large (no body size limit: the upstream applies its own) and quiet for long stretches
    /// (a Watch call), so Kestrel's minimum data rates would cut it.
    /// </summary>
    private static void LiftStreamingLimits(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }

        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } requestRate)
        {
            requestRate.MinDataRate = null;
        }

        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } responseRate)
        {
            responseRate.MinDataRate = null;
        }
    }

    private static string DestinationOf(HttpResponseMessage response) =>
        response.RequestMessage?.RequestUri?.GetLeftPart(UriPartial.Authority) ?? "";
}
