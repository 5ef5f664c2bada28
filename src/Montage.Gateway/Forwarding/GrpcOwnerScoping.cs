using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Montage.Gateway.Auth;
using Montage.Grpc;
using Montage.ReverseProxy.Forwarder;

namespace Montage.Gateway.Forwarding;

/// <summary>
/// Runs before a forwarded gRPC call: refuses what an API key may not call and rewrites the request so that its owner
/// fields are the key's owner (see <see cref="ForwardedMethods"/>). Unary and server-streaming calls have their one
/// message rewritten. Client-streaming (and duplex) calls of reviewed methods have their first message rewritten and
/// every later frame passed on unchanged as it arrives (scanned, never buffered), so an upload of any size flows with
/// flat memory and the client feels the upstream's flow control.
/// </summary>
internal static class GrpcOwnerScoping
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ReverseProxyRouteMetadata>() is null || !GrpcFailure.IsGrpcRequest(context.Request))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var owner = context.User.FindFirst(OwnerClaims.Type)?.Value;
        if (owner is null)
        {
            GrpcFailure.WriteTrailersOnly(context.Response, GrpcFailure.PermissionDenied, "Forwarded calls need an API key with an owner.");
            return;
        }

        var method = ForwardedMethods.Find(context.Request.Path.Value ?? "");
        if (method is null)
        {
            Refuse(context, new GrpcRefusal(StatusCode.Unimplemented, "The gateway does not forward this method."));
            return;
        }

        if (!ForwardedMethods.CarriesOwner(method.InputType))
        {
            Refuse(context, new GrpcRefusal(StatusCode.PermissionDenied, $"{method.FullName} is not available through the gateway."));
            return;
        }

        if (method.IsClientStreaming)
        {
            await ForwardStreamAsync(context, next, method, owner).ConfigureAwait(false);
            return;
        }

        var frame = await ReadSingleFrameAsync(context).ConfigureAwait(false);
        if (frame.Error is { } error)
        {
            Refuse(context, error);
            return;
        }

        if (Parse(method, frame.Payload) is not { } message)
        {
            Refuse(context, GrpcFrames.Malformed("The request message could not be parsed."));
            return;
        }

        ForwardedMethods.ImposeOwner(message, owner);
        var rewritten = GrpcFrames.Frame(message.ToByteArray());
        context.Request.Body = new MemoryStream(rewritten, writable: false);
        context.Request.ContentLength = rewritten.Length;
        await next(context).ConfigureAwait(false);
    }

    private static async Task ForwardStreamAsync(HttpContext context, RequestDelegate next, MethodDescriptor method, string owner)
    {
        if (ForwardedMethods.StreamingRule(method) is not { } rule)
        {
            Refuse(context, new GrpcRefusal(StatusCode.PermissionDenied, $"{method.FullName} is not available through the gateway."));
            return;
        }

        // The forwarder lifts these too, but only before the body is first read, which happens here: a stream may be of
        // any size (the upstream applies its own limit) and pause for as long as the client likes.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit)
        {
            sizeLimit.MaxRequestBodySize = null;
        }

        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } dataRate)
        {
            dataRate.MinDataRate = null;
        }

        var (payload, refusal) = await GrpcFrames.ReadFirstAsync(context.Request.Body, context.RequestAborted).ConfigureAwait(false);
        if (refusal is not null)
        {
            Refuse(context, refusal);
            return;
        }

        var first = payload is null ? null : Parse(method, payload);
        if (payload is not null && first is null)
        {
            Refuse(context, GrpcFrames.Malformed("The first request message could not be parsed."));
            return;
        }

        if (first is null || !rule.NamesOwner(first))
        {
            Refuse(context, new GrpcRefusal(StatusCode.InvalidArgument, $"The first message of {method.FullName} must carry {rule.OwnerFieldNames}."));
            return;
        }

        ForwardedMethods.ImposeOwner(first, owner);
        var scanner = new LaterMessageScanner(rule.RefusedLaterFields, method.FullName, LaterFieldNames(rule));
        var body = new ScopedRequestStream(GrpcFrames.Frame(first.ToByteArray()), context.Request.Body, scanner);
        context.Request.Body = body;
        context.Request.ContentLength = null;
        await next(context).ConfigureAwait(false);

        // The forwarder saw the refusal as a broken request body (and reset the upstream call); the client learns why.
        if (body.Refusal is { } refused)
        {
            Refuse(context, refused);
        }
    }

    /// <summary>
    /// Answers with <paramref name="refusal"/>: trailers-only before the response started, otherwise as the trailers
    /// (replacing whatever status the forwarder put there).
    /// </summary>
    private static void Refuse(HttpContext context, GrpcRefusal refusal)
    {
        if (!context.Response.HasStarted)
        {
            context.Response.Clear();
            GrpcFailure.WriteTrailersOnly(context.Response, (int)refusal.Code, refusal.Message);
            return;
        }

        if (context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { IsReadOnly: false } trailers)
        {
            trailers["grpc-status"] = ((int)refusal.Code).ToString(System.Globalization.CultureInfo.InvariantCulture);
            trailers["grpc-message"] = Uri.EscapeDataString(refusal.Message);
            return;
        }

        context.Abort();
    }

    private static string LaterFieldNames(StreamingRequestRule rule)
    {
        var names = rule.Method.InputType.Fields.InDeclarationOrder()
            .Where(field => !rule.RefusedLaterFields.Contains(field.FieldNumber))
            .Select(field => field.Name)
            .ToList();
        return names.Count == 0 ? "nothing" : string.Join(" or ", names);
    }

    private static IMessage? Parse(MethodDescriptor method, byte[] payload)
    {
        try
        {
            return method.InputType.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    private static async Task<(byte[] Payload, GrpcRefusal? Error)> ReadSingleFrameAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > GrpcFrames.MaxRewrittenMessageBytes + GrpcFrames.HeaderLength)
            {
                return ([], new GrpcRefusal(StatusCode.ResourceExhausted,
                    $"Request messages forwarded by the gateway are limited to {GrpcFrames.MaxRewrittenMessageBytes} bytes."));
            }
        }

        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (bytes.Length < GrpcFrames.HeaderLength || GrpcFrames.HeaderLength + System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]) != bytes.Length)
        {
            return ([], new GrpcRefusal(StatusCode.InvalidArgument, "The call must carry exactly one request message."));
        }

        if (GrpcFrames.CheckFlag(bytes[0]) is { } refusal)
        {
            return ([], refusal);
        }

        return (bytes[GrpcFrames.HeaderLength..].ToArray(), null);
    }
}
