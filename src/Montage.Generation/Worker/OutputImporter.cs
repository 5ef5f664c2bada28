using Montage.Clients;
using Montage.Contracts.Assets.V1;
using Montage.Contracts.Jobs.V1;
using Montage.Grpc;
using Montage.Grpc.Client;
using Montage.Providers.Abstractions;
using Montage.Providers.Catalog;

namespace Montage.Generation.Worker;

/// <summary>
/// Copies a finished job's files into AssetStorage before the provider's links expire: hosted outputs with
/// ImportFromUrl (streamed, size-capped, retried by the store), local renders by uploading the file. The assets belong
/// to the job's owner and carry the job id as a tag. Image kinds name their output "images", video kinds "video".
/// </summary>
internal sealed class OutputImporter(AssetStoreClient assets)
{
    public const string ImagesOutput = "images";
    public const string VideoOutput = "video";

    public async Task<Dictionary<string, OutputAssets>> ImportAsync(Job job, ModelDefinition model, ProviderResult result, CancellationToken cancellationToken)
    {
        var isVideo = model.Kind.StartsWith("video.", StringComparison.Ordinal);
        var files = isVideo
            ? result.Files.Where(f => f.ContentType?.StartsWith("video/", StringComparison.Ordinal) ?? true).Take(1).ToList()
            : result.Files.ToList();
        if (files.Count == 0)
        {
            throw new JobFailureException(JobErrors.NoOutput, $"{model.Provider} reported success without an output file.", retryable: false);
        }

        var ids = new OutputAssets();
        for (var i = 0; i < files.Count; i++)
        {
            var asset = await ImportWithRetriesAsync(job, model, files[i], i, cancellationToken).ConfigureAwait(false);
            ids.AssetIds.Add(asset.Id);
        }

        return new Dictionary<string, OutputAssets>(StringComparer.Ordinal) { [isVideo ? VideoOutput : ImagesOutput] = ids };
    }

    // A paid output must not be given up on a brief AssetStorage hiccup: failing the job here would mean paying again.
    private async Task<Asset> ImportWithRetriesAsync(Job job, ModelDefinition model, ProviderOutputFile file, int index, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ImportOneAsync(job, model, file, index, cancellationToken).ConfigureAwait(false);
            }
            catch (JobFailureException e) when (e.Error.Retryable && attempt < MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromSeconds(2 * attempt), cancellationToken).ConfigureAwait(false);
            }
            catch (JobFailureException e) when (e.Error.Retryable && model.Provider != ProviderNames.Local)
            {
                // A hosted output is not retried as a new paid run; a local render is free to redo.
                throw new JobFailureException(e.Error.Code, e.Error.Message, retryable: false);
            }
        }
    }

    private const int MaxAttempts = 4;

    private async Task<Asset> ImportOneAsync(Job job, ModelDefinition model, ProviderOutputFile file, int index, CancellationToken cancellationToken)
    {
        var name = $"{job.Id}-{index}{Extension(file)}";
        try
        {
            if (file.Url.IsFile)
            {
                var stream = File.OpenRead(file.Url.LocalPath);
                await using (stream.ConfigureAwait(false))
                {
                    var metadata = new UploadMetadata { Owner = job.Owner, Name = name, ContentType = file.ContentType ?? "", ExpectedSize = stream.Length };
                    metadata.Tags.Add(job.Id);
                    return await assets.UploadAsync(metadata, stream, cancellationToken).ConfigureAwait(false);
                }
            }

            var request = new ImportFromUrlRequest
            {
                Url = file.Url.AbsoluteUri,
                Owner = job.Owner,
                Name = name,
                Source = new AssetSource { JobId = job.Id, Provider = model.Provider },
            };
            request.Tags.Add(job.Id);
            // Long videos take a while to stream; the store applies its own import deadline too.
            return await assets.ImportFromUrlAsync(request, new CallOptions(deadline: DateTime.UtcNow.AddMinutes(20), cancellationToken: cancellationToken))
                .ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.InvalidArgument or StatusCode.ResourceExhausted)
        {
            // The provider's file is gone or unacceptable: the run produced nothing we can keep.
            throw new JobFailureException(JobErrors.OutputImportFailed, $"Output {index} could not be stored ({e.StatusCode}: {e.Status.Detail}).", retryable: false);
        }
        catch (RpcException e)
        {
            // After the last attempt a hosted output is not retried as a new paid run; a local render is free to redo.
            throw new JobFailureException(JobErrors.OutputImportFailed, $"Output {index} could not be stored ({e.StatusCode}).", retryable: true);
        }
        catch (FileNotFoundException)
        {
            throw new JobFailureException(JobErrors.OutputImportFailed, $"The local render's output {index} is gone.", retryable: true);
        }
    }

    private static string Extension(ProviderOutputFile file)
    {
        var fromName = Path.GetExtension(file.FileName ?? file.Url.AbsolutePath);
        if (fromName.Length is > 1 and <= 6 && fromName.Skip(1).All(char.IsAsciiLetterOrDigit))
        {
            return fromName.ToLowerInvariant();
        }

        return file.ContentType switch
        {
            "image/png" => ".png",
            "image/jpeg" => ".jpg",
            "image/webp" => ".webp",
            "video/mp4" => ".mp4",
            _ => "",
        };
    }
}
