namespace Montage.Providers.Abstractions;

/// <summary>
/// One hosted or local generation backend (fal.ai, KIE.ai, the local FFmpeg engine) behind a provider-neutral contract.
/// </summary>
/// <remarks>
/// Failures surface as <see cref="ProviderException"/> carrying a classified <see cref="ProviderError"/>;
/// a job that the provider itself reports as failed is not an exception but a <see cref="ProviderStatus"/> in state Failed.
/// Implementations retry idempotent calls (status, result, cancel, upload) themselves; a submit is retried only
/// when the provider certainly did not accept it, otherwise it fails with <see cref="ProviderErrorKind.OutcomeUnknown"/>.
/// </remarks>
public interface IGenerationProvider
{
    /// <summary>Stable provider name: see <see cref="ProviderNames"/>.</summary>
    string Name { get; }

    /// <summary>Submits one paid job. Checkpoint <see cref="ProviderSubmission.Handle"/> durably before doing anything else.</summary>
    Task<ProviderSubmission> SubmitAsync(ProviderSubmitRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The handle of a request known only by its id: a checkpointed request resumed by another worker, or a request
    /// id from a webhook being reconciled (confirm it with <see cref="GetStatusAsync"/>: a provider shows only the
    /// requests of its own account). The default is a bare handle; a provider whose calls need more (fal's request
    /// URLs) builds them here, so callers never copy its URL layout.
    /// </summary>
    ProviderJobHandle Resume(string requestId, string modelEndpoint) => new(Name, requestId, modelEndpoint);

    /// <summary>Current state of a submitted job: queued (with position), running (with logs), completed, or failed (classified).</summary>
    Task<ProviderStatus> GetStatusAsync(ProviderJobHandle handle, CancellationToken cancellationToken);

    /// <summary>Output files and metadata of a completed job; throws <see cref="ProviderException"/> when the job failed.</summary>
    Task<ProviderResult> GetResultAsync(ProviderJobHandle handle, CancellationToken cancellationToken);

    /// <summary>Asks the provider to cancel; a running job may still complete.</summary>
    Task<CancelOutcome> CancelAsync(ProviderJobHandle handle, CancellationToken cancellationToken);

    /// <summary>Uploads an input file to storage the provider can read, returning its URL and when it expires.</summary>
    Task<UploadedFile> UploadAsync(Stream content, string contentType, string fileName, CancellationToken cancellationToken);

    /// <summary>Verifies an inbound provider webhook (signature, freshness, and for KIE a confirming status query).</summary>
    Task<WebhookVerification> VerifyWebhookAsync(WebhookRequest request, CancellationToken cancellationToken);
}
