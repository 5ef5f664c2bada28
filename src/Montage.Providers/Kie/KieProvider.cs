using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Montage.Providers.Abstractions;
using Montage.Providers.Http;

namespace Montage.Providers.Kie;

/// <summary>KIE.ai jobs API: createTask, recordInfo, file-stream upload and callback verification.</summary>
public sealed class KieProvider : IGenerationProvider
{
    internal const string HttpClientName = "Montage.Providers.Kie";

    private readonly IHttpClientFactory httpClientFactory;
    private readonly KieOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ProviderCallExecutor executor;
    private readonly KieCallbackVerifier callbackVerifier;
    private readonly ILogger<KieProvider> logger;

    public KieProvider(IHttpClientFactory httpClientFactory, IOptions<KieOptions> options, ILogger<KieProvider> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.httpClientFactory = httpClientFactory;
        this.options = options.Value;
        this.logger = logger;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        executor = new ProviderCallExecutor(this.options.Retry, this.timeProvider);
        callbackVerifier = new KieCallbackVerifier(this.options, this.timeProvider, GetRecordAsync, logger);
    }

    public string Name => ProviderNames.Kie;

    public async Task<ProviderSubmission> SubmitAsync(ProviderSubmitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.ModelEndpoint);
        var body = new JsonObject { ["model"] = request.ModelEndpoint };
        if (request.WebhookUrl is { } webhook)
        {
            body["callBackUrl"] = webhook.ToString();
        }

        body["input"] = request.Body.DeepClone();
        var text = body.ToJsonString();
        var url = new Uri($"{Base(options.BaseUrl)}/api/v1/jobs/createTask");
        try
        {
            var taskId = await executor.ExecuteAsync(CallKind.Submit, async ct =>
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(text, Encoding.UTF8, "application/json") };
                using var response = await SendAsync(message, ct).ConfigureAwait(false);
                var envelope = KieEnvelope.Read(response, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
                if (!envelope.IsSuccess)
                {
                    return envelope.Code == -1
                        ? Attempt<string>.Fail(AcceptedWithoutId(), retry: false)
                        : Attempt<string>.Fail(
                            KieCodes.Classify(envelope.Code, envelope.Message, HttpResponseFacts.RetryAfter(response, timeProvider)),
                            retry: KieCodes.SubmitNotAccepted(envelope.Code));
                }

                return JsonText.Text((envelope.Data as JsonObject)?["taskId"]) is { Length: > 0 } id
                    ? Attempt<string>.Success(id)
                    : Attempt<string>.Fail(AcceptedWithoutId(), retry: false);
            }, cancellationToken).ConfigureAwait(false);

            KieLog.Submitted(logger, taskId, request.ModelEndpoint);
            return new ProviderSubmission(new ProviderJobHandle(ProviderNames.Kie, taskId, request.ModelEndpoint), QueuePosition: null);
        }
        catch (ProviderException e)
        {
            KieLog.SubmitFailed(logger, request.ModelEndpoint, e.Error.Kind.ToString(), e.Error.Code);
            throw;
        }
    }

    public async Task<ProviderStatus> GetStatusAsync(ProviderJobHandle handle, CancellationToken cancellationToken) =>
        (await GetRecordAsync(TaskId(handle), cancellationToken).ConfigureAwait(false)).ToStatus();

    public async Task<ProviderResult> GetResultAsync(ProviderJobHandle handle, CancellationToken cancellationToken)
    {
        var record = await GetRecordAsync(TaskId(handle), cancellationToken).ConfigureAwait(false);
        return record.State switch
        {
            "success" => new ProviderResult(record.TaskId, record.Files(), record.ResultJson()),
            "fail" => throw new ProviderException(record.Failure()),
            _ => throw new ProviderException(new ProviderError(ProviderErrorKind.Transient, "not_completed", $"The KIE.ai task is still {record.State ?? "pending"}.")),
        };
    }

    /// <summary>KIE.ai has no cancel endpoint: the task runs to its end (and is billed).</summary>
    public Task<CancelOutcome> CancelAsync(ProviderJobHandle handle, CancellationToken cancellationToken)
    {
        TaskId(handle);
        return Task.FromResult(CancelOutcome.NotSupported);
    }

    public async Task<UploadedFile> UploadAsync(Stream content, string contentType, string fileName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        var bytes = await ReadAllAsync(content, cancellationToken).ConfigureAwait(false);
        var url = new Uri($"{Base(options.UploadUrl)}/api/file-stream-upload");
        var uploaded = await executor.ExecuteAsync(CallKind.Idempotent, async ct =>
        {
            using var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            form.Add(file, "file", fileName);
            form.Add(new StringContent(options.UploadPath), "uploadPath");
            form.Add(new StringContent(fileName), "fileName");
            using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = form };
            using var response = await SendAsync(message, ct).ConfigureAwait(false);
            var envelope = KieEnvelope.Read(response, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            if (!envelope.IsSuccess)
            {
                return Failed<Uri>(envelope, response);
            }

            return Uri.TryCreate(JsonText.String((envelope.Data as JsonObject)?["downloadUrl"]), UriKind.Absolute, out var download)
                ? Attempt<Uri>.Success(download)
                : Attempt<Uri>.Fail(Unreadable("upload"), retry: true);
        }, cancellationToken, options.Retry.UploadTimeout).ConfigureAwait(false);

        KieLog.Uploaded(logger, fileName, contentType);
        return new UploadedFile(uploaded, timeProvider.GetUtcNow() + options.UploadLifetime);
    }

    public Task<WebhookVerification> VerifyWebhookAsync(WebhookRequest request, CancellationToken cancellationToken) =>
        callbackVerifier.VerifyAsync(request, cancellationToken);

    private Task<KieTaskRecord> GetRecordAsync(string taskId, CancellationToken cancellationToken)
    {
        var url = new Uri($"{Base(options.BaseUrl)}/api/v1/jobs/recordInfo?taskId={Uri.EscapeDataString(taskId)}");
        return executor.ExecuteAsync(CallKind.Idempotent, async ct =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = await SendAsync(message, ct).ConfigureAwait(false);
            var envelope = KieEnvelope.Read(response, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            if (!envelope.IsSuccess)
            {
                return Failed<KieTaskRecord>(envelope, response);
            }

            return KieTaskRecord.From(envelope.Data) is { } record
                ? Attempt<KieTaskRecord>.Success(record)
                : Attempt<KieTaskRecord>.Fail(Unreadable("recordInfo"), retry: true);
        }, cancellationToken);
    }

    private Attempt<T> Failed<T>(KieEnvelope envelope, HttpResponseMessage response) =>
        envelope.Code == -1
            ? Attempt<T>.Fail(Unreadable("answer"), retry: true)
            : Attempt<T>.Fail(KieCodes.Classify(envelope.Code, envelope.Message, HttpResponseFacts.RetryAfter(response, timeProvider)), KieCodes.IsRetryable(envelope.Code));

    /// <summary>A 2xx without a readable task id: the task may exist and be billed, so it must not be sent again.</summary>
    private static ProviderError AcceptedWithoutId() =>
        new(ProviderErrorKind.OutcomeUnknown, "malformed_submit_answer", "KIE.ai answered the createTask without a readable task id.");

    private static ProviderError Unreadable(string what) =>
        new(ProviderErrorKind.Transient, "malformed_answer", $"KIE.ai returned an unreadable {what} answer.");

    private static string TaskId(ProviderJobHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return handle.Provider == ProviderNames.Kie
            ? handle.RequestId
            : throw new ArgumentException($"The handle belongs to provider '{handle.Provider}', not kie.", nameof(handle));
    }

    private static string Base(Uri url) => url.ToString().TrimEnd('/');

    private static async Task<byte[]> ReadAllAsync(Stream content, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage message, CancellationToken cancellationToken)
    {
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return await httpClientFactory.CreateClient(HttpClientName).SendAsync(message, cancellationToken).ConfigureAwait(false);
    }
}
