using Microsoft.AspNetCore.Authorization;

namespace Montage.Gateway.Forwarding;

/// <summary>
/// gRPC forwarding: HTTP/2 calls to <c>/montage.*</c> services reach the owning service (routes and clusters in the
/// <c>ReverseProxy</c> section, YARP's shape) after the API-key check, with the caller's owner imposed on the request.
/// </summary>
public static class GatewayForwardingExtensions
{
    public const string SectionName = "ReverseProxy";

    public static TBuilder AddGatewayForwarding<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection(SectionName))
            .AddTransformer<OwnerForwardingTransformer>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, GrpcAuthorizationResultHandler>();
        return builder;
    }

    /// <summary>Call after authentication and authorization are in the pipeline.</summary>
    public static WebApplication MapGatewayForwarding(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(GrpcOwnerScoping.InvokeAsync);
        app.MapReverseProxy();
        return app;
    }
}
