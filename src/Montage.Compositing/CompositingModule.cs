using Montage.Generation;
using Montage.Providers.Catalog;

namespace Montage.Compositing;

public static class CompositingModule
{
    /// <summary>The "compositing" service: the shared generation worker for its job kinds, and its gRPC model queries.</summary>
    public static TBuilder AddCompositing<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddGenerationService("compositing", JobKinds.ImageComposite);
        builder.Services.AddSingleton<CompositingService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCompositing(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGrpcService<CompositingService>();
        return endpoints;
    }
}
