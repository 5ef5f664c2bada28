using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Montage.FakeProviders;

public sealed partial class FakeFal
{
    [GeneratedRegex("^(?<app>[^/]+/[^/]+)/requests/(?<id>[^/]+?)(?<suffix>/status|/cancel)?$")]
    private static partial Regex RequestPath();

    private bool Authorized(RecordedRequest request) => request.Header("Authorization") == $"Key {ApiKey}";

    private static Task UnauthorizedAsync(HttpContext context) =>
        FakeHttp.WriteJsonAsync(context, 401, new JsonObject { ["detail"] = "Invalid key: authentication required" });

    private async Task SubmitAsync(HttpContext context)
    {
        var request = await FakeHttp.RecordAsync(context);
        requests.Enqueue(request);
        if (!Authorized(request))
        {
            await UnauthorizedAsync(context);
            return;
        }

        var model = ((string?)context.Request.RouteValues["path"] ?? string.Empty).Trim('/');
        JsonObject? input;
        try
        {
            input = JsonNode.Parse(request.Body) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            input = null;
        }

        if (input is null || model.Split('/').Length < 2)
        {
            await FakeHttp.WriteJsonAsync(context, 422, Detail("body", "json_invalid", "The body must be a JSON object."));
            return;
        }

        FakeJob? accepted = null;
        var webhook = Uri.TryCreate(request.Query("fal_webhook"), UriKind.Absolute, out var hook) ? hook : null;
        FakeJob Accept()
        {
            var job = Jobs.Accept(model, input, input, webhook);
            job.OutputsExpireAt = LifecycleExpiry(request);
            return job;
        }

        if (await FakeHttp.ApplyFaultAsync(context, Faults, FakeOperation.Submit, () =>
            {
                accepted = Accept();
                return Task.CompletedTask;
            }))
        {
            return;
        }

        accepted = Accept();
        var app = AppOf(model);
        var requestBase = $"{QueueUrl}/{app}/requests/{accepted.Id}";
        await FakeHttp.WriteJsonAsync(context, 200, new JsonObject
        {
            ["request_id"] = accepted.Id,
            ["gateway_request_id"] = accepted.Id,
            ["response_url"] = requestBase,
            ["status_url"] = $"{requestBase}/status",
            ["cancel_url"] = $"{requestBase}/cancel",
            ["queue_position"] = accepted.QueuePosition,
        });
    }

    private static DateTimeOffset? LifecycleExpiry(RecordedRequest request)
    {
        var header = request.Header("X-Fal-Object-Lifecycle-Preference");
        try
        {
            return header is not null && JsonNode.Parse(header)?["expiration_duration_seconds"] is JsonValue v && v.TryGetValue<long>(out var seconds)
                ? DateTimeOffset.UtcNow.AddSeconds(seconds)
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private async Task StatusOrResultAsync(HttpContext context)
    {
        var request = await FakeHttp.RecordAsync(context);
        requests.Enqueue(request);
        var match = RequestPath().Match((string?)context.Request.RouteValues["path"] ?? string.Empty);
        var isStatus = match.Success && match.Groups["suffix"].Value == "/status";
        if (!Authorized(request))
        {
            await UnauthorizedAsync(context);
            return;
        }

        if (!match.Success || match.Groups["suffix"].Value == "/cancel")
        {
            await FakeHttp.WriteJsonAsync(context, 404, new JsonObject { ["detail"] = "Not found" });
            return;
        }

        if (await FakeHttp.ApplyFaultAsync(context, Faults, isStatus ? FakeOperation.Status : FakeOperation.Result))
        {
            return;
        }

        var job = Jobs.Find(match.Groups["id"].Value);
        if (job is null || AppOf(job.Model) != match.Groups["app"].Value)
        {
            await FakeHttp.WriteJsonAsync(context, 404, new JsonObject { ["detail"] = "Request not found" });
            return;
        }

        if (isStatus)
        {
            await Jobs.OnStatusPollAsync(job);
            await WriteStatusAsync(context, job, request.Query("logs") == "1");
        }
        else
        {
            await WriteResultAsync(context, job);
        }
    }

    private Task WriteStatusAsync(HttpContext context, FakeJob job, bool withLogs)
    {
        var responseUrl = $"{QueueUrl}/{AppOf(job.Model)}/requests/{job.Id}";
        var body = new JsonObject { ["request_id"] = job.Id, ["response_url"] = responseUrl };
        switch (job.State)
        {
            case FakeJobState.Queued:
                body["status"] = "IN_QUEUE";
                body["queue_position"] = job.QueuePosition;
                return FakeHttp.WriteJsonAsync(context, 202, body);
            case FakeJobState.Running:
                body["status"] = "IN_PROGRESS";
                body["logs"] = withLogs ? Logs(job, completed: false) : null;
                return FakeHttp.WriteJsonAsync(context, 202, body);
            default:
                body["status"] = "COMPLETED";
                body["logs"] = withLogs ? Logs(job, completed: true) : null;
                body["metrics"] = new JsonObject { ["inference_time"] = 0.42 };
                if (job.Outcome != FakeJobOutcome.Success)
                {
                    var (_, errorBody, _) = ErrorAnswer(job.Outcome);
                    body["error"] = ErrorSummary(job.Outcome);
                    body["error_type"] = JsonNode.Parse(errorBody)?["error_type"]?.DeepClone()
                        ?? JsonNode.Parse(errorBody)?["detail"]?[0]?["type"]?.DeepClone();
                }

                return FakeHttp.WriteJsonAsync(context, 200, body);
        }
    }

    private static JsonArray Logs(FakeJob job, bool completed)
    {
        var logs = new JsonArray(
            new JsonObject { ["message"] = $"Loading {job.Model}", ["level"] = "INFO", ["timestamp"] = job.CreatedAt.ToString("O", CultureInfo.InvariantCulture) },
            new JsonObject { ["message"] = "Generating 50%", ["level"] = "INFO", ["timestamp"] = job.UpdatedAt.ToString("O", CultureInfo.InvariantCulture) });
        if (completed)
        {
            logs.Add(new JsonObject { ["message"] = "Done", ["level"] = "INFO", ["timestamp"] = job.UpdatedAt.ToString("O", CultureInfo.InvariantCulture) });
        }

        return logs;
    }

    private async Task WriteResultAsync(HttpContext context, FakeJob job)
    {
        if (job.State != FakeJobState.Completed)
        {
            await FakeHttp.WriteJsonAsync(context, 400, new JsonObject { ["detail"] = "Request is still in progress" });
            return;
        }

        if (job.Outcome != FakeJobOutcome.Success)
        {
            var (status, body, headers) = ErrorAnswer(job.Outcome);
            await FakeHttp.WriteAsync(context, status, body, headers);
            return;
        }

        context.Response.Headers["x-fal-request-id"] = job.Id;
        await FakeHttp.WriteJsonAsync(context, 200, await OutputAsync(job));
    }

    private async Task<JsonObject> OutputAsync(FakeJob job)
    {
        var path = await FakeMedia.GetPathAsync(job.MediaKind);
        var size = new FileInfo(path).Length;
        JsonObject File(int index) => new()
        {
            ["url"] = $"{CdnUrl}/outputs/{job.Id}/{index}/{FakeMedia.FileName(job.MediaKind)}",
            ["content_type"] = FakeMedia.ContentType(job.MediaKind),
            ["file_name"] = FakeMedia.FileName(job.MediaKind),
            ["file_size"] = size,
            ["width"] = FakeMedia.Width,
            ["height"] = FakeMedia.Height,
        };

        if (job.MediaKind == FakeMediaKind.Image)
        {
            var images = new JsonArray(Enumerable.Range(0, FakeOutputs.Count(job.Input)).Select(i => (JsonNode)File(i)).ToArray());
            return new JsonObject { ["images"] = images, ["seed"] = 42, ["has_nsfw_concepts"] = new JsonArray(false) };
        }

        var video = File(0);
        video["fps"] = FakeMedia.FramesPerSecond;
        video["duration"] = FakeMedia.VideoSeconds;
        return new JsonObject { ["video"] = video, ["seed"] = 42 };
    }

    private static string ErrorSummary(FakeJobOutcome outcome) => outcome switch
    {
        FakeJobOutcome.ContentPolicy => "Content policy violation",
        FakeJobOutcome.ValidationError => "Invalid input",
        FakeJobOutcome.StartTimeout => "Request timed out before starting",
        FakeJobOutcome.GenerationFailed => "No media generated",
        FakeJobOutcome.Cancelled => "Request cancelled",
        _ => "Internal error",
    };

    private static (int Status, string Body, IReadOnlyDictionary<string, string>? Headers) ErrorAnswer(FakeJobOutcome outcome) => outcome switch
    {
        FakeJobOutcome.ContentPolicy => (422, Detail("prompt", "content_policy_violation", "The content could not be processed because it contained material flagged by a content checker.").ToJsonString(), null),
        FakeJobOutcome.ValidationError => (422, Detail("image_url", "image_too_small", "Image dimensions are too small.").ToJsonString(), null),
        FakeJobOutcome.GenerationFailed => (422, Detail("prompt", "no_media_generated", "The model did not generate any media.").ToJsonString(), null),
        FakeJobOutcome.StartTimeout => (504, "{\"detail\":\"Request timed out before starting\",\"error_type\":\"request_timeout\"}",
            new Dictionary<string, string> { ["X-Fal-Error-Type"] = "request_timeout", ["X-Fal-Request-Timeout-Type"] = "user" }),
        FakeJobOutcome.Cancelled => (499, "{\"detail\":\"Request cancelled\",\"error_type\":\"client_cancelled\"}",
            new Dictionary<string, string> { ["X-Fal-Error-Type"] = "client_cancelled" }),
        _ => (500, "{\"detail\":\"Internal error\",\"error_type\":\"internal_error\"}", new Dictionary<string, string> { ["X-Fal-Error-Type"] = "internal_error" }),
    };

    private async Task CancelAsync(HttpContext context)
    {
        var request = await FakeHttp.RecordAsync(context);
        requests.Enqueue(request);
        var match = RequestPath().Match((string?)context.Request.RouteValues["path"] ?? string.Empty);
        if (!Authorized(request))
        {
            await UnauthorizedAsync(context);
            return;
        }

        if (await FakeHttp.ApplyFaultAsync(context, Faults, FakeOperation.Cancel))
        {
            return;
        }

        var job = match.Success && match.Groups["suffix"].Value == "/cancel" ? Jobs.Find(match.Groups["id"].Value) : null;
        if (job is null)
        {
            await FakeHttp.WriteJsonAsync(context, 404, new JsonObject { ["status"] = "NOT_FOUND" });
            return;
        }

        var before = job.RequestCancel(DateTimeOffset.UtcNow);
        if (before == FakeJobState.Completed)
        {
            await FakeHttp.WriteJsonAsync(context, 400, new JsonObject { ["status"] = "ALREADY_COMPLETED" });
            return;
        }

        if (before == FakeJobState.Queued)
        {
            await Jobs.CancelledAsync(job);
        }

        await FakeHttp.WriteJsonAsync(context, 202, new JsonObject { ["status"] = "CANCELLATION_REQUESTED" });
    }

    private async Task JwksAsync(HttpContext context)
    {
        requests.Enqueue(await FakeHttp.RecordAsync(context));
        if (await FakeHttp.ApplyFaultAsync(context, Faults, FakeOperation.Jwks))
        {
            return;
        }

        await FakeHttp.WriteAsync(context, 200, Signer.Jwks());
    }

    private async Task InitiateUploadAsync(HttpContext context)
    {
        var request = await FakeHttp.RecordAsync(context);
        requests.Enqueue(request);
        if (!Authorized(request))
        {
            await UnauthorizedAsync(context);
            return;
        }

        if (await FakeHttp.ApplyFaultAsync(context, Faults, FakeOperation.UploadInitiate))
        {
            return;
        }

        var json = JsonNode.Parse(request.Body) as JsonObject;
        var contentType = (string?)json?["content_type"];
        var fileName = (string?)json?["file_name"];
        if (string.IsNullOrEmpty(contentType) || string.IsNullOrEmpty(fileName) || request.Query("storage_type") != "fal-cdn-v3")
        {
            await FakeHttp.WriteJsonAsync(context, 422, Detail("content_type", "missing", "content_type and file_name are required."));
            return;
        }

        var token = Guid.NewGuid().ToString("N");
        uploads[token] = new StoredFile(contentType, fileName, null, DateTimeOffset.UtcNow);
        await FakeHttp.WriteJsonAsync(context, 200, new JsonObject
        {
            ["upload_url"] = $"{Root}/cdn-upload/{token}",
            ["file_url"] = $"{CdnUrl}/files/{token}/{Uri.EscapeDataString(fileName)}",
        });
    }

    private async Task PutUploadAsync(HttpContext context)
    {
        var request = await FakeHttp.RecordAsync(context);
        requests.Enqueue(request);
        if (await FakeHttp.ApplyFaultAsync(context, Faults, FakeOperation.UploadPut))
        {
            return;
        }

        var token = (string?)context.Request.RouteValues["token"] ?? string.Empty;
        if (!uploads.TryGetValue(token, out var pending))
        {
            await FakeHttp.WriteJsonAsync(context, 404, new JsonObject { ["detail"] = "Unknown upload" });
            return;
        }

        uploads[token] = pending with { Bytes = request.Body, ContentType = context.Request.ContentType ?? pending.ContentType };
        await FakeHttp.WriteAsync(context, 200, null);
    }

    private async Task GetUploadAsync(HttpContext context)
    {
        var token = (string?)context.Request.RouteValues["token"] ?? string.Empty;
        if (!uploads.TryGetValue(token, out var file) || file.Bytes is null || IsExpired(file.CreatedAt, null))
        {
            await FakeHttp.WriteJsonAsync(context, 404, new JsonObject { ["detail"] = "Not found" });
            return;
        }

        context.Response.ContentType = file.ContentType;
        context.Response.ContentLength = file.Bytes.Length;
        await context.Response.Body.WriteAsync(file.Bytes, context.RequestAborted);
    }

    private async Task GetOutputAsync(HttpContext context)
    {
        var job = Jobs.Find((string?)context.Request.RouteValues["id"] ?? string.Empty);
        if (job is null || job.State != FakeJobState.Completed || job.Outcome != FakeJobOutcome.Success || IsExpired(job.CreatedAt, job.OutputsExpireAt))
        {
            await FakeHttp.WriteJsonAsync(context, 404, new JsonObject { ["detail"] = "Not found" });
            return;
        }

        await FakeHttp.ServeFileAsync(context, await FakeMedia.GetPathAsync(job.MediaKind), FakeMedia.ContentType(job.MediaKind));
    }

    /// <summary>Builds the webhook fal would send for a completed job, signed according to the webhook mode.</summary>
    public async Task<FakeWebhook?> BuildWebhookAsync(FakeJob job)
    {
        if (job.WebhookUrl is null)
        {
            return null;
        }

        var body = new JsonObject { ["request_id"] = job.Id, ["gateway_request_id"] = job.Id };
        if (job.Outcome == FakeJobOutcome.Success)
        {
            body["status"] = "OK";
            body["payload"] = await OutputAsync(job);
        }
        else
        {
            var (status, errorBody, _) = ErrorAnswer(job.Outcome);
            body["status"] = "ERROR";
            body["error"] = $"Invalid status code: {status}";
            body["payload"] = JsonNode.Parse(errorBody);
        }

        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - (Webhooks.Mode == FakeWebhookMode.StaleTimestamp ? 600 : 0);
        var headers = Signer.Sign(job.Id, UserId, timestamp, bytes);
        if (Webhooks.Mode == FakeWebhookMode.BadSignature)
        {
            var signature = headers["X-Fal-Webhook-Signature"];
            headers["X-Fal-Webhook-Signature"] = (signature[0] == '0' ? "1" : "0") + signature[1..];
        }

        return new FakeWebhook(job.Id, job.WebhookUrl, headers, bytes);
    }

    private async Task OnCompletedAsync(FakeJob job)
    {
        if (await BuildWebhookAsync(job) is { } webhook)
        {
            await Webhooks.SendAsync(webhook);
        }
    }

    private static string AppOf(string model)
    {
        var parts = model.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 ? $"{parts[0]}/{parts[1]}" : model;
    }
}
