using Montage.Contracts.Common.V1;
using Montage.Contracts.Videos.V1;
using Montage.Generation.Models;
using Montage.Grpc;
using Montage.Grpc.Server;

namespace Montage.VideoGeneration;

/// <summary>videos's gRPC face: ListModels, Validate and Estimate for its kinds, answered by the shared <see cref="ModelQueries"/>.</summary>
internal sealed class VideoGenerationService(ModelQueries queries) : IGrpcService
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => VideosReflection.Descriptor.Services[0];

    public Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        context.CancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(queries.ListModels(request));
    }

    public Task<ValidateResponse> Validate(ValidateRequest request, ServerCallContext context) => queries.ValidateAsync(request, context.CancellationToken);

    public Task<EstimateResponse> Estimate(EstimateRequest request, ServerCallContext context)
    {
        context.CancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(queries.Estimate(request));
    }
}
