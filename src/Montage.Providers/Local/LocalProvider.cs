using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Local;

/// <summary>
/// The local FFmpeg engine behind <see cref="IGenerationProvider"/>: submit queues a render that runs in the background,
/// status and result report it, cancel kills it. Outputs are <c>file://</c> URLs under the data directory. Jobs live in
/// memory: after a restart a handle is unknown (NotFound), and since local renders cost nothing they are simply re-run.
/// Webhooks do not apply.
/// </summary>
public sealed class LocalProvider : IGenerationProvider, IDisposable
{
    private const string LocalPrefix = "local/";

    private readonly LocalEngine _engine;
    private readonly LocalProviderOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<string, LocalJob> _jobs = new(StringComparer.Ordinal);
    private readonly string _dataDirectory;

    public LocalProvider(LocalEngine engine, LocalProviderOptions options, HttpClient? httpClient = null, ILogger<LocalProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        _engine = engine;
        _options = options;
        (_http, _ownsHttp) = httpClient is null ? (new HttpClient(), true) : (httpClient, false);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _slots = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentRenders));
        _dataDirectory = options.DataDirectory ?? Path.Combine(Path.GetTempPath(), "montage-local-provider");
        Directory.CreateDirectory(_dataDirectory);
    }

    public string Name => ProviderNames.Local;

    /// <summary>
    /// Queues a render. <see cref="ProviderSubmitRequest.ModelEndpoint"/> is the local engine name (<c>kenburns</c>) or the
    /// catalog id (<c>local/kenburns</c>); the body is the normalised input with media as http(s) or file URLs, absolute
    /// paths or data URIs.
    /// </summary>
    public Task<ProviderSubmission> SubmitAsync(ProviderSubmitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var modelId = request.ModelEndpoint.StartsWith(LocalPrefix, StringComparison.Ordinal) ? request.ModelEndpoint : LocalPrefix + request.ModelEndpoint;
        if (!Catalog.ModelCatalog.Load().TryGet(modelId, out var model) || model.Provider != ProviderNames.Local)
        {
            throw new ProviderException(new ProviderError(ProviderErrorKind.Validation, "unknown_model", $"'{request.ModelEndpoint}' is not a local model."));
        }

        RemoveExpiredJobs();
        var id = "local-" + Guid.NewGuid().ToString("N");
        var job = new LocalJob(id, modelId, Path.Combine(_dataDirectory, "jobs", id));
        _jobs[id] = job;
        var queued = _jobs.Values.Count(j => j.Snapshot().State == ProviderJobState.Queued) - 1;
        LocalProviderLog.Submitted(_logger, id, modelId);
        _ = Task.Run(() => RunAsync(job, request.Body.DeepClone().AsObject()), CancellationToken.None);
        return Task.FromResult(new ProviderSubmission(new ProviderJobHandle(ProviderNames.Local, id, model.Endpoint!), Math.Max(0, queued)));
    }

    public Task<ProviderStatus> GetStatusAsync(ProviderJobHandle handle, CancellationToken cancellationToken)
    {
        var (state, progress, _, error) = Find(handle).Snapshot();
        var status = state switch
        {
            ProviderJobState.Queued => ProviderStatus.Queued(_jobs.Values.Count(j => j.Snapshot().State == ProviderJobState.Queued)),
            ProviderJobState.Running => ProviderStatus.Running(progress is { Fraction: { } done }
                ? [new ProviderLogEntry($"rendered {done:P0}", "info", DateTimeOffset.UtcNow)]
                : []),
            ProviderJobState.Completed => ProviderStatus.Completed(),
            _ => ProviderStatus.Failed(error!),
        };
        return Task.FromResult(status);
    }

    public async Task<ProviderResult> GetResultAsync(ProviderJobHandle handle, CancellationToken cancellationToken)
    {
        var job = Find(handle);
        var (state, _, result, error) = job.Snapshot();
        if (state == ProviderJobState.Failed)
        {
            throw new ProviderException(error!);
        }

        if (state != ProviderJobState.Completed || result is null)
        {
            throw new ProviderException(new ProviderError(ProviderErrorKind.Transient, "in_progress", "The render is still running."));
        }

        var files = new List<ProviderOutputFile>();
        var raw = new JsonArray();
        foreach (var output in result.Outputs)
        {
            var info = await _engine.Probe.ProbeAsync(output.Path, cancellationToken).ConfigureAwait(false);
            var isVideo = output.ContentType.StartsWith("video/", StringComparison.Ordinal);
            files.Add(new ProviderOutputFile(new Uri(output.Path), output.Name)
            {
                ContentType = output.ContentType,
                FileName = Path.GetFileName(output.Path),
                SizeBytes = new FileInfo(output.Path).Length,
                Width = info.Video?.Width,
                Height = info.Video?.Height,
                DurationSeconds = isVideo ? info.DurationSeconds : null,
                FramesPerSecond = isVideo ? info.Video?.FramesPerSecond : null,
            });
            raw.Add(new JsonObject { ["name"] = output.Name, ["url"] = new Uri(output.Path).AbsoluteUri, ["content_type"] = output.ContentType });
        }

        return new ProviderResult(job.Id, files, new JsonObject { ["outputs"] = raw });
    }

    public Task<CancelOutcome> CancelAsync(ProviderJobHandle handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!_jobs.TryGetValue(handle.RequestId, out var job))
        {
            return Task.FromResult(CancelOutcome.NotFound);
        }

        if (job.Snapshot().State is ProviderJobState.Completed or ProviderJobState.Failed)
        {
            return Task.FromResult(CancelOutcome.AlreadyCompleted);
        }

        job.Cancellation.Cancel();
        return Task.FromResult(CancelOutcome.Requested);
    }

    /// <summary>Keeps the file under the data directory and returns its file URL; it does not expire.</summary>
    public async Task<UploadedFile> UploadAsync(Stream content, string contentType, string fileName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var directory = Path.Combine(_dataDirectory, "uploads");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, Guid.NewGuid().ToString("N") + SafeExtension(fileName));
        var file = File.Create(path);
        await using (file.ConfigureAwait(false))
        {
            await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }

        return new UploadedFile(new Uri(path), null);
    }

    public Task<WebhookVerification> VerifyWebhookAsync(WebhookRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(WebhookVerification.Refused("The local provider sends no webhooks."));

    public void Dispose()
    {
        foreach (var job in _jobs.Values)
        {
            job.Cancellation.Cancel();
        }

        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private void RemoveExpiredJobs()
    {
        var cutoff = DateTimeOffset.UtcNow - _options.FinishedJobRetention;
        foreach (var job in _jobs.Values.Where(j => j.FinishedAt < cutoff).ToList())
        {
            if (_jobs.TryRemove(job.Id, out _))
            {
                job.Dispose();
                try
                {
                    Directory.Delete(job.Directory, recursive: true);
                }
                catch (DirectoryNotFoundException)
                {
                }
                catch (IOException)
                {
                    // Files still open elsewhere: a later clean-up of the data directory removes them.
                }
            }
        }
    }

    private LocalJob Find(ProviderJobHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return _jobs.TryGetValue(handle.RequestId, out var job)
            ? job
            : throw new ProviderException(new ProviderError(ProviderErrorKind.NotFound, "not_found", "No local render with that id (renders do not survive a restart)."));
    }

    private async Task RunAsync(LocalJob job, JsonObject body)
    {
        var cancellation = job.Cancellation.Token;
        var started = Stopwatch.StartNew();
        var acquired = false;
        try
        {
            await _slots.WaitAsync(cancellation).ConfigureAwait(false);
            acquired = true;
            job.Start();
            Directory.CreateDirectory(job.Directory);
            var media = await FetchMediaAsync(job, body, cancellation).ConfigureAwait(false);
            var result = await _engine.RenderAsync(job.ModelId, body, media, Path.Combine(job.Directory, "out"), new JobProgress(job), cancellation)
                .ConfigureAwait(false);
            job.Complete(result);
            LocalProviderLog.Completed(_logger, job.Id, job.ModelId, started.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Fail(job, new ProviderError(ProviderErrorKind.Cancelled, "cancelled", "The render was cancelled."));
        }
        catch (ArgumentException error)
        {
            Fail(job, new ProviderError(ProviderErrorKind.Validation, "invalid_input", error.Message));
        }
        catch (FfmpegException error)
        {
            Fail(job, new ProviderError(ProviderErrorKind.GenerationFailed, "ffmpeg_failed", error.Message));
        }
        catch (HttpRequestException error)
        {
            Fail(job, new ProviderError(ProviderErrorKind.Validation, "file_download_error", $"An input could not be downloaded ({(int?)error.StatusCode ?? 0})."));
        }
        catch (IOException error)
        {
            Fail(job, new ProviderError(ProviderErrorKind.Transient, "io_error", DiagnosticsRedactor.Redact(error.Message)));
        }
        finally
        {
            if (acquired)
            {
                _slots.Release();
            }
        }
    }

    private void Fail(LocalJob job, ProviderError error)
    {
        job.Fail(error);
        LocalProviderLog.Failed(_logger, job.Id, job.ModelId, error.Kind.ToString(), error.Code);
    }

    /// <summary>Brings every media reference of the input to a local file: downloads URLs, decodes data URIs, accepts file paths.</summary>
    private async Task<Dictionary<string, string>> FetchMediaAsync(LocalJob job, JsonObject body, CancellationToken cancellationToken)
    {
        var model = Catalog.ModelCatalog.Load().Get(job.ModelId);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var inputs = Path.Combine(job.Directory, "in");
        Directory.CreateDirectory(inputs);
        foreach (var reference in Catalog.ProviderRequestBuilder.MediaReferences(model, body))
        {
            var target = Path.Combine(inputs, $"input{files.Count:D3}");
            files[reference] = await LocalMedia.FetchAsync(reference, target, _http, _options.MaxInputBytes, cancellationToken).ConfigureAwait(false);
        }

        return files;
    }

    private static string SafeExtension(string fileName)
    {
        var extension = Path.GetExtension(fileName ?? "");
        return extension.Length is > 1 and <= 8 && extension.Skip(1).All(char.IsAsciiLetterOrDigit) ? extension.ToLowerInvariant() : "";
    }

    private sealed class JobProgress(LocalJob job) : IProgress<RenderProgress>
    {
        public void Report(RenderProgress value) => job.Report(value);
    }
}
