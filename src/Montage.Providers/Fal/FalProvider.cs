using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Montage.Providers.Abstractions;
using Montage.Providers.Http;

namespace Montage.Providers.Fal;

/// <summary>fal.ai queue API: submit, status, result and cancel; uploads and webhooks are delegated.</summary>
public sealed class FalProvider : IGenerationProvider
{
    internal const string HttpClientName = "Montage.Providers.Fal";

    private readonly IHttpClientFactory httpClientFactory;
    private readonly FalOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ProviderCallExecutor executor;
    private readonly FalUploader uploader;
    private readonly FalWebhookVerifier webhookVerifier;
    private readonly ILogger<FalProvider> logger;

    public FalProvider(
        IHttpClientFactory httpClientFactory,
        IOptions<FalOptions> options,
        FalWebhookVerifier webhookVerifier,
        ILogger<FalProvider> logger,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.httpClientFactory = httpClientFactory;
        this.options = options.Value;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.webhookVerifier = webhookVerifier;
        this.logger = logger;
        executor = new ProviderCallExecutor(this.options.Retry, this.timeProvider);
        uploader = new FalUploader(httpClientFactory, this.options, executor, this.timeProvider, logger);
    }

    public string Name => ProviderNames.Fal;

    public async Task<ProviderSubmission> SubmitAsync(ProviderSubmitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.ModelEndpoint);
        var url = SubmitUrl(request);
        var body = request.Body.ToJsonString();
        try
        {
            var submission = await executor.ExecuteAsync(CallKind.Submit, async ct =>
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, url)
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                AddSubmitHeaders(message, request);
                using var response = await SendAsync(message, ct).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    // Only "not accepted" answers are safe to send again; any other error answer is final for this call.
                    var error = FalErrors.FromResponse(response, text, timeProvider);
                    return Attempt<ProviderSubmission>.Fail(error, retry: response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable);
                }

                return ParseSubmission(request.ModelEndpoint, text);
            }, cancellationToken).ConfigureAwait(false);

            FalLog.Submitted(logger, submission.RequestId, request.ModelEndpoint, submission.QueuePosition);
            return submission;
        }
        catch (ProviderException e)
        {
            FalLog.SubmitFailed(logger, request.ModelEndpoint, e.Error.Kind.ToString(), e.Error.Code);
            throw;
        }
    }

    /// <summary>fal's status, result and cancel URLs follow from the queue URL, the model's app and the request id.</summary>
    public ProviderJobHandle Resume(string requestId, string modelEndpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestId);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelEndpoint);
        return FalHandle.Create(requestId, modelEndpoint, options.QueueUrl, statusUrl: null, responseUrl: null, cancelUrl: null);
    }

    public Task<ProviderStatus> GetStatusAsync(ProviderJobHandle handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var url = FalHandle.Status(handle);
        return executor.ExecuteAsync(CallKind.Idempotent, async ct =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = await SendAsync(message, ct).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return FailedCall<ProviderStatus>(response, text);
            }

            if (JsonText.TryParse(text) is not JsonObject status)
            {
                return Attempt<ProviderStatus>.Fail(Malformed("status"), retry: true);
            }

            var logs = ParseLogs(status["logs"]);
            switch (JsonText.String(status["status"]))
            {
                case "IN_QUEUE":
                    return Attempt<ProviderStatus>.Success(ProviderStatus.Queued((int?)JsonText.Long(status["queue_position"])));
                case "IN_PROGRESS":
                    return Attempt<ProviderStatus>.Success(ProviderStatus.Running(logs));
                case "COMPLETED" when status["error"] is null && status["error_type"] is null:
                    return Attempt<ProviderStatus>.Success(ProviderStatus.Completed(logs, status["metrics"]?.DeepClone() as JsonObject));
                case "COMPLETED":
                    var (jobError, callError) = await RealErrorAsync(handle, status, ct).ConfigureAwait(false);
                    if (callError is not null)
                    {
                        return Attempt<ProviderStatus>.Fail(callError, retry: true);
                    }

                    FalLog.CompletedWithError(logger, handle.RequestId, jobError!.Kind.ToString(), jobError.Code);
                    return Attempt<ProviderStatus>.Success(ProviderStatus.Failed(jobError, logs));
                default:
                    return Attempt<ProviderStatus>.Fail(Malformed("status"), retry: true);
            }
        }, cancellationToken);
    }

    public Task<ProviderResult> GetResultAsync(ProviderJobHandle handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var url = FalHandle.Response(handle);
        return executor.ExecuteAsync(CallKind.Idempotent, async ct =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = await SendAsync(message, ct).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return FailedCall<ProviderResult>(response, text);
            }

            var output = JsonText.TryParse(text);
            return output is null
                ? Attempt<ProviderResult>.Fail(Malformed("result"), retry: true)
                : Attempt<ProviderResult>.Success(new ProviderResult(handle.RequestId, FalOutputs.Files(output), output));
        }, cancellationToken);
    }

    public Task<CancelOutcome> CancelAsync(ProviderJobHandle handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var url = FalHandle.Cancel(handle);
        return executor.ExecuteAsync(CallKind.Idempotent, async ct =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Put, url);
            using var response = await SendAsync(message, ct).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            var status = JsonText.String((JsonText.TryParse(text) as JsonObject)?["status"]);
            return (response.StatusCode, status) switch
            {
                (_, "CANCELLATION_REQUESTED") when response.IsSuccessStatusCode => Attempt<CancelOutcome>.Success(CancelOutcome.Requested),
                (HttpStatusCode.Accepted or HttpStatusCode.OK, _) => Attempt<CancelOutcome>.Success(CancelOutcome.Requested),
                (_, "ALREADY_COMPLETED") => Attempt<CancelOutcome>.Success(CancelOutcome.AlreadyCompleted),
                (HttpStatusCode.NotFound, _) => Attempt<CancelOutcome>.Success(CancelOutcome.NotFound),
                _ => FailedCall<CancelOutcome>(response, text),
            };
        }, cancellationToken);
    }

    public Task<UploadedFile> UploadAsync(Stream content, string contentType, string fileName, CancellationToken cancellationToken) =>
        uploader.UploadAsync(content, contentType, fileName, cancellationToken);

    public Task<WebhookVerification> VerifyWebhookAsync(WebhookRequest request, CancellationToken cancellationToken) =>
        webhookVerifier.VerifyAsync(request, cancellationToken);

    private Uri SubmitUrl(ProviderSubmitRequest request)
    {
        var url = new StringBuilder(FalHandle.Base(options.QueueUrl)).Append('/').Append(request.ModelEndpoint.Trim('/'));
        if (request.WebhookUrl is { } webhook)
        {
            url.Append("?fal_webhook=").Append(Uri.EscapeDataString(webhook.ToString()));
        }

        return new Uri(url.ToString());
    }

    private static void AddSubmitHeaders(HttpRequestMessage message, ProviderSubmitRequest request)
    {
        if (request.StartTimeout is { } startTimeout)
        {
            message.Headers.Add("X-Fal-Request-Timeout", HttpResponseFacts.Seconds(startTimeout));
        }

        if (request.OutputLifetime is { } lifetime)
        {
            message.Headers.Add("X-Fal-Object-Lifecycle-Preference", $"{{\"expiration_duration_seconds\":{HttpResponseFacts.Seconds(lifetime)}}}");
        }
    }

    private Attempt<ProviderSubmission> ParseSubmission(string modelEndpoint, string text)
    {
        // The server accepted the request: without a readable id the job exists but cannot be followed.
        if (JsonText.TryParse(text) is not JsonObject json || JsonText.Text(json["request_id"]) is not { Length: > 0 } requestId)
        {
            return Attempt<ProviderSubmission>.Fail(
                new ProviderError(ProviderErrorKind.OutcomeUnknown, "malformed_submit_answer", "fal.ai accepted the submit but returned no request id."),
                retry: false);
        }

        var handle = FalHandle.Create(
            requestId,
            modelEndpoint,
            options.QueueUrl,
            JsonText.String(json["status_url"]),
            JsonText.String(json["response_url"]),
            JsonText.String(json["cancel_url"]));
        return Attempt<ProviderSubmission>.Success(new ProviderSubmission(handle, (int?)JsonText.Long(json["queue_position"])));
    }

    /// <summary>
    /// A COMPLETED status with an error only names it; the result call returns the real, classifiable error. An answer
    /// that describes the result call itself (rate limit, gateway trouble without a fal error type) is retried instead.
    /// </summary>
    private async Task<(ProviderError? JobError, ProviderError? CallError)> RealErrorAsync(
        ProviderJobHandle handle, JsonObject status, CancellationToken cancellationToken)
    {
        var fromStatus = FalErrors.FromPayload(null, JsonText.String(status["error_type"]), JsonText.Text(status["error"]));
        using var message = new HttpRequestMessage(HttpMethod.Get, FalHandle.Response(handle));
        using var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return (fromStatus, null);
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var fromResult = FalErrors.FromResponse(response, text, timeProvider);
        var namesJobError = HttpResponseFacts.Header(response.Headers, FalErrors.ErrorTypeHeader) is not null
            || JsonText.String((JsonText.TryParse(text) as JsonObject)?["error_type"]) is not null;
        if (response.StatusCode == HttpStatusCode.TooManyRequests || ((int)response.StatusCode >= 500 && !namesJobError))
        {
            return (null, fromResult);
        }

        return (fromResult with { RetryAfter = null }, null);
    }

    private Attempt<T> FailedCall<T>(HttpResponseMessage response, string text)
    {
        var error = FalErrors.FromResponse(response, text, timeProvider);
        return Attempt<T>.Fail(error, retry: FalErrors.IsRetryableStatus(response.StatusCode) && error.IsRetryable);
    }

    private static ProviderError Malformed(string what) =>
        new(ProviderErrorKind.Transient, "malformed_answer", $"fal.ai returned an unreadable {what} answer.");

    private static IReadOnlyList<ProviderLogEntry> ParseLogs(JsonNode? logs) =>
        logs is JsonArray entries
            ? entries.OfType<JsonObject>()
                .Select(e => new ProviderLogEntry(
                    JsonText.Text(e["message"]) ?? string.Empty,
                    JsonText.String(e["level"]),
                    DateTimeOffset.TryParse(JsonText.String(e["timestamp"]), System.Globalization.CultureInfo.InvariantCulture,
                        System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null))
                .ToList()
            : [];

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage message, CancellationToken cancellationToken)
    {
        message.Headers.Authorization = new AuthenticationHeaderValue("Key", options.Key);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var client = httpClientFactory.CreateClient(HttpClientName);
        return await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }
}
