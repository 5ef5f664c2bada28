using Montage.Contracts.Videos.V1;
using Montage.Generation.Models;
using Montage.Grpc.Server;

namespace Montage.VideoGeneration;

/// <summary>videos's gRPC face: ListModels, Validate and Estimate for its kinds, answered by the shared <see cref="ModelQueries"/>.</summary>
internal sealed class VideoGenerationService(ModelQueries queries) : ModelQueryService(queries), IGrpcService
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => VideosReflection.Descriptor.Services[0];
}
