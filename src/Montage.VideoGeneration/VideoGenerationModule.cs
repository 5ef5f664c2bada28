using Montage.Generation;
using Montage.Providers.Catalog;

namespace Montage.VideoGeneration;

public static class VideoGenerationModule
{
    /// <summary>The "videos" service: the shared generation worker for its job kinds, and its gRPC model queries.</summary>
    public static TBuilder AddVideoGeneration<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddGenerationService("videos", JobKinds.VideoAnimate, JobKinds.VideoAvatar, JobKinds.VideoAssemble);
        builder.Services.AddSingleton<VideoGenerationService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapVideoGeneration(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGrpcService<VideoGenerationService>();
        return endpoints;
    }
}
