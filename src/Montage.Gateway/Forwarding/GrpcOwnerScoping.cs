using System.Buffers.Binary;
using Montage.Gateway.Auth;
using Montage.ReverseProxy.Forwarder;

namespace Montage.Gateway.Forwarding;

/// <summary>
/// Runs before a forwarded gRPC call: refuses what an API key may not call and rewrites the one request message so
/// that its owner fields are the key's owner (see <see cref="ForwardedMethods"/>). Only single-message requests
/// (unary and server-streaming calls) can be rewritten; client-streaming and duplex methods are refused.
/// </summary>
internal static class GrpcOwnerScoping
{
    /// <summary>Largest request message accepted for rewriting (the services' own default limit).</summary>
    private const int MaxMessageBytes = 4 * 1024 * 1024;

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
            GrpcFailure.WriteTrailersOnly(context.Response, Unimplemented, "The gateway does not forward this method.");
            return;
        }

        if (method.IsClientStreaming || !ForwardedMethods.CarriesOwner(method.InputType))
        {
            GrpcFailure.WriteTrailersOnly(context.Response, GrpcFailure.PermissionDenied, $"{method.FullName} is not available through the gateway.");
            return;
        }

        var frame = await ReadSingleFrameAsync(context).ConfigureAwait(false);
        if (frame.Error is { } error)
        {
            GrpcFailure.WriteTrailersOnly(context.Response, error.Code, error.Message);
            return;
        }

        Google.Protobuf.IMessage message;
        try
        {
            message = method.InputType.Parser.ParseFrom(frame.Payload);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            GrpcFailure.WriteTrailersOnly(context.Response, Internal, "The request message could not be parsed.");
            return;
        }

        ForwardedMethods.ImposeOwner(message, owner);
        var payload = Google.Protobuf.MessageExtensions.ToByteArray(message);
        var rewritten = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(rewritten.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(rewritten, 5);
        context.Request.Body = new MemoryStream(rewritten, writable: false);
        context.Request.ContentLength = rewritten.Length;
        await next(context).ConfigureAwait(false);
    }

    private const int InvalidArgument = 3;
    private const int ResourceExhausted = 8;
    private const int Unimplemented = 12;
    private const int Internal = 13;

    private static async Task<(byte[] Payload, (int Code, string Message)? Error)> ReadSingleFrameAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxMessageBytes + 5)
            {
                return ([], (ResourceExhausted, $"Request messages forwarded by the gateway are limited to {MaxMessageBytes} bytes."));
            }
        }

        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (bytes.Length < 5 || 5L + BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]) != bytes.Length)
        {
            return ([], (InvalidArgument, "The call must carry exactly one request message."));
        }

        if (bytes[0] != 0)
        {
            return ([], (Unimplemented, "The gateway accepts uncompressed request messages only."));
        }

        return (bytes[5..].ToArray(), null);
    }
}
