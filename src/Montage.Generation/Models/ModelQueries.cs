using System.Text.Json;
using System.Text.Json.Nodes;
using Montage.Clients;
using Montage.Contracts.Assets.V1;
using Montage.Contracts.Common.V1;
using Montage.Grpc;
using Montage.Providers.Abstractions;
using Montage.Providers.Catalog;
using CatalogCostEstimate = Montage.Providers.Catalog.CostEstimate;
using ProtoCostEstimate = Montage.Contracts.Common.V1.CostEstimate;

namespace Montage.Generation.Models;

/// <summary>
/// ListModels, Validate and Estimate for the kinds one service owns, answered from the model catalog. Shared by the
/// three generation services; each exposes it under its own gRPC service name.
/// </summary>
public sealed class ModelQueries
{
    private readonly ModelCatalog _catalog;
    private readonly WorkerKinds _kinds;
    private readonly IProviderRegistry _providers;
    private readonly AssetStoreClient _assets;

    public ModelQueries(ModelCatalog catalog, WorkerKinds kinds, IProviderRegistry providers, AssetStoreClient assets)
    {
        _catalog = catalog;
        _kinds = kinds;
        _providers = providers;
        _assets = assets;
    }

    public ListModelsResponse ListModels(ListModelsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = new ListModelsResponse();
        foreach (var model in _catalog.Models.Where(m => _kinds.Owns(m.Kind)))
        {
            if ((request.Kind.Length > 0 && request.Kind != model.Kind)
                || (request.Provider.Length > 0 && !string.Equals(request.Provider, model.Provider, StringComparison.OrdinalIgnoreCase))
                || (!model.Available && !request.IncludeUnavailable))
            {
                continue;
            }

            response.Models.Add(ModelInfoMapper.ToInfo(model, RequiresCredentials(model)));
        }

        return response;
    }

    /// <summary>Every problem at once; asset ids are checked to exist for the owner and to be the right kind of media.</summary>
    public async Task<ValidateResponse> ValidateAsync(ValidateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = new ValidateResponse();
        var (result, errors) = Check(request.ModelId, request.InputJson);
        if (result is null)
        {
            response.Errors.AddRange(errors);
            return response;
        }

        response.Errors.AddRange(await CheckAssetsAsync(result.Model!, result.Normalized!, request.Owner, cancellationToken).ConfigureAwait(false));
        response.Valid = response.Errors.Count == 0;
        if (response.Valid)
        {
            response.NormalizedInputJson = result.Normalized!.ToJsonString();
        }

        return response;
    }

    public EstimateResponse Estimate(EstimateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (result, errors) = Check(request.ModelId, request.InputJson);
        var response = new EstimateResponse();
        if (result is null)
        {
            response.Errors.AddRange(errors);
            return response;
        }

        response.Estimate = ToProto(result.Model!.Id, CostEstimator.Estimate(result.Model!, result.Normalized!));
        return response;
    }

    /// <summary>The catalog estimate in the contract's shape: exact only when the rate is confirmed and the quantity known.</summary>
    public static ProtoCostEstimate ToProto(string modelId, CatalogCostEstimate estimate)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        var proto = new ProtoCostEstimate
        {
            ModelId = modelId,
            CostMicros = estimate.MicroUsd,
            Currency = "USD",
            Exact = estimate.Confirmed && !estimate.QuantityAssumed,
        };
        proto.Lines.Add(new CostLine
        {
            Description = estimate.Basis,
            Quantity = (double)estimate.Quantity,
            UnitPriceMicros = (long)Math.Round(estimate.UnitPriceUsd * 1_000_000m, MidpointRounding.AwayFromZero),
            CostMicros = estimate.MicroUsd,
        });
        return proto;
    }

    private (ValidationResult? Result, IReadOnlyList<FieldError> Errors) Check(string modelId, string inputJson)
    {
        if (!_catalog.TryGet(modelId, out var model) || !_kinds.Owns(model.Kind))
        {
            return (null, [FieldErrors.Whole(FieldErrors.UnknownModel, $"This service has no model '{Shorten(modelId)}'.")]);
        }

        JsonObject? input;
        try
        {
            input = JsonNode.Parse(string.IsNullOrWhiteSpace(inputJson) ? "{}" : inputJson) as JsonObject;
        }
        catch (JsonException)
        {
            input = null;
        }

        if (input is null)
        {
            return (null, [FieldErrors.Whole(FieldErrors.InvalidJson, "input_json must be a JSON object.")]);
        }

        var result = _catalog.Validate(model.Id, input);
        return result.IsValid ? (result, []) : (null, result.Errors.Select(FieldErrors.From).ToList());
    }

    private async Task<List<FieldError>> CheckAssetsAsync(ModelDefinition model, JsonObject input, string owner, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        foreach (var (path, reference, kind) in MediaFields.Enumerate(model.Fields, input))
        {
            // URLs and data URIs are turned into assets by the gateway, job outputs exist only once their job ran.
            if (MediaReference.IsUrl(reference) || MediaReference.IsDataUri(reference) || MediaReference.IsJobOutput(reference))
            {
                continue;
            }

            Asset asset;
            try
            {
                asset = await _assets.StatAsync(new StatAssetRequest { AssetId = reference, Owner = owner }, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument)
            {
                errors.Add(new FieldError { FieldPath = path, Code = FieldErrors.AssetNotFound, Message = $"There is no asset '{Shorten(reference)}'." });
                continue;
            }

            if (MediaKinds.OfContentType(asset.ContentType) != kind)
            {
                errors.Add(new FieldError { FieldPath = path, Code = FieldErrors.AssetKind, Message = $"The asset is {asset.ContentType}; this field takes {kind}." });
            }
        }

        return errors;
    }

    private bool RequiresCredentials(ModelDefinition model) => model.Provider != ProviderNames.Local && !_providers.TryGet(model.Provider, out _);

    private static string Shorten(string text) => text.Length > 128 ? text[..128] + "..." : text;
}
