using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Montage.Grpc.Protocol;

namespace Montage.Grpc.Server;

/// <summary>
/// Answers gRPC requests for services or methods the server does not have with a trailers-only UNIMPLEMENTED.
/// Their routes only match <c>application/grpc</c> requests, so the rest of the app keeps its 404s.
/// </summary>
internal static class UnimplementedHandlers
{
    public const string ServiceParameter = "unimplementedService";
    public const string MethodParameter = "unimplementedMethod";

    public static RequestDelegate ForUnknownService(ILogger logger) => httpContext =>
    {
        var service = httpContext.Request.RouteValues[ServiceParameter] as string ?? "";
        ServerLog.ServiceUnimplemented(logger, service);
        GrpcHttpResponses.WriteTrailersOnly(httpContext.Response, new Status(StatusCode.Unimplemented, "Service is unimplemented."));
        return Task.CompletedTask;
    };

    public static RequestDelegate ForUnknownMethod(ILogger logger, string service) => httpContext =>
    {
        var method = httpContext.Request.RouteValues[MethodParameter] as string ?? "";
        ServerLog.MethodUnimplemented(logger, service, method);
        GrpcHttpResponses.WriteTrailersOnly(httpContext.Response, new Status(StatusCode.Unimplemented, "Method is unimplemented."));
        return Task.CompletedTask;
    };

    /// <summary>A declared RPC the service class has no method for.</summary>
    public static RequestDelegate ForUnboundMethod(ILogger logger, string service, string method) => httpContext =>
    {
        ServerLog.MethodUnimplemented(logger, service, method);
        GrpcHttpResponses.WriteTrailersOnly(httpContext.Response, new Status(StatusCode.Unimplemented, "Method is unimplemented."));
        return Task.CompletedTask;
    };
}

/// <summary>Route constraint that only matches requests with a gRPC content-type.</summary>
internal sealed class GrpcContentTypeConstraint : IRouteConstraint
{
    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        httpContext is null || GrpcProtocol.IsGrpcContentType(httpContext.Request.ContentType);
}
