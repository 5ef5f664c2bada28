using Montage.Contracts.Compositing.V1;
using Montage.Generation.Models;
using Montage.Grpc.Server;

namespace Montage.Compositing;

/// <summary>compositing's gRPC face: ListModels, Validate and Estimate for its kinds, answered by the shared <see cref="ModelQueries"/>.</summary>
internal sealed class CompositingService(ModelQueries queries) : ModelQueryService(queries), IGrpcService
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => CompositingReflection.Descriptor.Services[0];
}
