using Google.Protobuf.Reflection;
using Montage.Clients;
using Montage.Contracts.Common.V1;
using Montage.Grpc;
using Montage.Grpc.Client;

namespace Montage.Generation.Tests;

/// <summary>A client of any of the three generation services' ListModels/Validate/Estimate (same messages, different service names).</summary>
public sealed class ModelQueriesClient(CallInvoker invoker, ServiceDescriptor service) : TypedClient(invoker)
{
    private readonly Method<ListModelsRequest, ListModelsResponse> _list = MethodOf<ListModelsRequest, ListModelsResponse>(service, "ListModels");
    private readonly Method<ValidateRequest, ValidateResponse> _validate = MethodOf<ValidateRequest, ValidateResponse>(service, "Validate");
    private readonly Method<EstimateRequest, EstimateResponse> _estimate = MethodOf<EstimateRequest, EstimateResponse>(service, "Estimate");

    public Task<ListModelsResponse> ListModelsAsync(ListModelsRequest request) => UnaryAsync(_list, request, Options(default));

    public Task<ValidateResponse> ValidateAsync(ValidateRequest request) => UnaryAsync(_validate, request, Options(default));

    public Task<EstimateResponse> EstimateAsync(EstimateRequest request) => UnaryAsync(_estimate, request, Options(default));
}
