using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Montage.ReverseProxy.Forwarder;

namespace Montage.Gateway.Forwarding;

/// <summary>
/// A gRPC client refused by authorization gets a gRPC status (UNAUTHENTICATED without a valid key,
/// PERMISSION_DENIED with one that lacks the right), not an HTTP 401/403 it would report as a transport error.
/// Every other request is answered as before.
/// </summary>
internal sealed class GrpcAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (GrpcFailure.IsGrpcRequest(context.Request) && (authorizeResult.Challenged || authorizeResult.Forbidden))
        {
            var (code, message) = authorizeResult.Challenged
                ? (GrpcFailure.Unauthenticated, "A valid API key is required: metadata 'authorization: Bearer mk_...'.")
                : (GrpcFailure.PermissionDenied, "This API key may not make this call.");
            GrpcFailure.WriteTrailersOnly(context.Response, code, message);
            return Task.CompletedTask;
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
