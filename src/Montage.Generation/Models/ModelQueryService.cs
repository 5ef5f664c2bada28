using Montage.Contracts.Common.V1;
using Montage.Grpc;

namespace Montage.Generation.Models;

/// <summary>
/// The gRPC handlers every generation service shares (ListModels, Validate, Estimate for its own kinds). A service
/// derives from it only to name its descriptor, which the gRPC binding reads from a static member.
/// </summary>
public abstract class ModelQueryService(ModelQueries queries)
{
    public Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.CancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(queries.ListModels(request));
    }

    public Task<ValidateResponse> Validate(ValidateRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return queries.ValidateAsync(request, context.CancellationToken);
    }

    public Task<EstimateResponse> Estimate(EstimateRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.CancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(queries.Estimate(request));
    }
}
