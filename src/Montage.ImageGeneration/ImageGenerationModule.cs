using Montage.Generation;
using Montage.Providers.Catalog;

namespace Montage.ImageGeneration;

public static class ImageGenerationModule
{
    /// <summary>The "images" service: the shared generation worker for its job kinds, and its gRPC model queries.</summary>
    public static TBuilder AddImageGeneration<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddGenerationService("images", JobKinds.ImageGenerate);
        builder.Services.AddSingleton<ImageGenerationService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapImageGeneration(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGrpcService<ImageGenerationService>();
        return endpoints;
    }
}
