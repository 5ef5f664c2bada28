using Montage.Contracts.Images.V1;
using Montage.Generation.Models;
using Montage.Grpc.Server;

namespace Montage.ImageGeneration;

/// <summary>images's gRPC face: ListModels, Validate and Estimate for its kinds, answered by the shared <see cref="ModelQueries"/>.</summary>
internal sealed class ImageGenerationService(ModelQueries queries) : ModelQueryService(queries), IGrpcService
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => ImagesReflection.Descriptor.Services[0];
}
