using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Montage.Clients;
using Montage.Contracts.Assets.V1;
using Montage.Generation.Models;
using Montage.Grpc;
using Montage.Grpc.Client;
using Montage.Providers.Abstractions;
using Montage.Providers.Catalog;

namespace Montage.Generation.Worker;

/// <summary>What a job's media references became: provider-readable URLs, and the facts the price rule needs.</summary>
internal sealed record ResolvedInputs(IReadOnlyDictionary<string, string> Media, EstimateContext Estimate);

/// <summary>
/// Turns the asset ids of a job's input into URLs its provider can read (AssetStorage.GetProviderUrl: a fal or KIE
/// upload, or a local file path), after checking each asset belongs to the job's owner.
/// </summary>
internal sealed class InputResolver(AssetStoreClient assets)
{
    public Task<ResolvedInputs> ResolveAsync(ModelDefinition model, JsonObject input, string owner, TimeSpan validity, CancellationToken cancellationToken) =>
        ResolveAsync(model, input, owner, validity, withUrls: true, cancellationToken);

    /// <summary>Checks the assets and reads the facts the price rule needs, without making them readable for the provider (a resumed job).</summary>
    public Task<ResolvedInputs> MeasureAsync(ModelDefinition model, JsonObject input, string owner, CancellationToken cancellationToken) =>
        ResolveAsync(model, input, owner, TimeSpan.Zero, withUrls: false, cancellationToken);

    private async Task<ResolvedInputs> ResolveAsync(
        ModelDefinition model, JsonObject input, string owner, TimeSpan validity, bool withUrls, CancellationToken cancellationToken)
    {
        var media = new Dictionary<string, string>(StringComparer.Ordinal);
        decimal? audioSeconds = null;
        foreach (var (path, reference, kind) in MediaFields.Enumerate(model.Fields, input))
        {
            if (media.ContainsKey(reference) || MediaReference.IsUrl(reference) || MediaReference.IsDataUri(reference))
            {
                continue;
            }

            if (MediaReference.IsJobOutput(reference))
            {
                throw new JobFailureException(JobErrors.InvalidInput, $"{path} still refers to a job output; bindings are resolved before a job is queued.", retryable: false);
            }

            var asset = await StatAsync(reference, owner, path, cancellationToken).ConfigureAwait(false);
            if (kind == MediaKinds.Audio && asset.Media?.Duration is { } duration)
            {
                audioSeconds = (decimal)duration.ToTimeSpan().TotalSeconds;
            }

            media[reference] = withUrls ? await ProviderUrlAsync(reference, model.Provider, validity, cancellationToken).ConfigureAwait(false) : "";
        }

        return new ResolvedInputs(media, new EstimateContext(audioSeconds));
    }

    private async Task<Asset> StatAsync(string assetId, string owner, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await assets.StatAsync(new StatAssetRequest { AssetId = assetId, Owner = owner }, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument)
        {
            throw new JobFailureException(JobErrors.AssetNotFound, $"{path}: the asset does not exist (or belongs to someone else).", retryable: false);
        }
        catch (RpcException e) when (IsTransient(e.StatusCode))
        {
            throw new JobFailureException("asset_store_unavailable", $"AssetStorage did not answer ({e.StatusCode}).", retryable: true);
        }
    }

    private async Task<string> ProviderUrlAsync(string assetId, string provider, TimeSpan validity, CancellationToken cancellationToken)
    {
        try
        {
            // An upload to fal or KIE of a large video takes a while: give it more than the default deadline.
            var response = await assets.GetProviderUrlAsync(
                new GetProviderUrlRequest { AssetId = assetId, Provider = provider, MinValidity = Duration.FromTimeSpan(validity) },
                new CallOptions(deadline: DateTime.UtcNow.AddMinutes(10), cancellationToken: cancellationToken)).ConfigureAwait(false);
            return provider == ProviderNames.Local && response.LocalPath.Length > 0 ? response.LocalPath : response.Url;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            throw new JobFailureException(JobErrors.AssetNotFound, "An input asset disappeared before it reached the provider.", retryable: false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            throw new JobFailureException(JobErrors.ProviderNotConfigured, $"The input cannot be handed to {provider}: {e.Status.Detail}", retryable: false);
        }
        catch (RpcException e) when (IsTransient(e.StatusCode))
        {
            throw new JobFailureException("asset_upload_failed", $"The input could not be made readable for {provider} ({e.StatusCode}).", retryable: true);
        }
    }

    private static bool IsTransient(StatusCode code) => code is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.ResourceExhausted;
}
