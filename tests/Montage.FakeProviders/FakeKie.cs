using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Montage.FakeProviders;

/// <summary>
/// A fake KIE.ai under one prefix (default <c>/kie</c>): the jobs API at the root (<see cref="BaseUrl"/>), uploads at
/// <c>{prefix}/upload</c> (<see cref="UploadUrl"/>), output and uploaded files under <c>{prefix}/files</c>.
/// </summary>
public sealed class FakeKie : IAsyncDisposable
{
    public const string DefaultApiKey = "fake-kie-key";

    private readonly string prefix;
    private readonly ConcurrentQueue<RecordedRequest> requests = new();
    private readonly ConcurrentDictionary<string, (string ContentType, string FileName, byte[] Bytes, DateTimeOffset CreatedAt)> uploads = new();
    private WebApplication? ownApp;
    private long expiredBefore = DateTimeOffset.MinValue.UtcTicks;

    public FakeKie(string prefix = "/kie")
    {
        this.prefix = prefix.TrimEnd('/');
        Jobs = new FakeJobBoard(OnCompletedAsync);
    }

    public Uri HostUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The value for <c>Providers:Kie:BaseUrl</c>.</summary>
    public Uri BaseUrl => new(Root);

    /// <summary>The value for <c>Providers:Kie:UploadUrl</c>.</summary>
    public Uri UploadUrl => new($"{Root}/upload");

    public string ApiKey { get; set; } = DefaultApiKey;

    /// <summary>When set, callbacks carry X-Webhook-Timestamp and X-Webhook-Signature made with this key.</summary>
    public string? HmacKey { get; set; }

    public FakeFaults Faults { get; } = new();

    public FakeJobBoard Jobs { get; }

    public FakeWebhookSender Webhooks { get; } = new();

    public IReadOnlyList<RecordedRequest> Requests => requests.ToList();

    public IReadOnlyList<RecordedRequest> Submits => requests.Where(r => r.Path.EndsWith("/api/v1/jobs/createTask", StringComparison.Ordinal)).ToList();

    private string Root => $"{HostUrl.ToString().TrimEnd('/')}{prefix}";

    public static async Task<FakeKie> StartAsync()
    {
        var fake = new FakeKie();
        var (app, baseUrl) = await FakeHost.StartAsync(fake.Map);
        fake.ownApp = app;
        fake.HostUrl = baseUrl;
        return fake;
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(prefix);
        group.MapPost("/api/v1/jobs/createTask", CreateTaskAsync);
        group.MapGet("/api/v1/jobs/recordInfo", RecordInfoAsync);
        group.MapPost("/upload/api/file-stream-upload", UploadAsync);
        group.MapGet("/upload/files/{token}/{name}", GetUploadAsync);
        group.MapGet("/files/{id}/{index:int}/{name}", GetOutputAsync);
    }

    public void SetBaseUrl(Uri hostUrl) => HostUrl = hostUrl;

    /// <summary>From now on every existing output and upload answers 403, as an expired signed link does.</summary>
    public void ExpireFiles() => Interlocked.Exchange(ref expiredBefore, DateTimeOffset.UtcNow.UtcTicks + 1);

    public void Reset()
    {
        Jobs.Reset();
        Jobs.Progression = FakeProgression.Timed(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(300));
        Faults.Clear();
        Webhooks.Reset();
        requests.Clear();
        uploads.Clear();
        ApiKey = DefaultApiKey;
        HmacKey = null;
        Interlocked.Exchange(ref expiredBefore, DateTimeOffset.MinValue.UtcTicks);
    }

    public async ValueTask DisposeAsync()
    {
        if (ownApp is not null)
        {
            await ownApp.StopAsync();
            await ownApp.DisposeAsync();
        }

        Webhooks.Dispose();
    }

    /// <summary>
    /// The callback KIE would send for a task. <paramref name="claim"/> overrides what it claims (a forged or early
    /// callback), whatever the task's real state; the signature is valid unless the webhook mode says otherwise.
    /// </summary>
    public async Task<FakeWebhook> BuildCallbackAsync(FakeJob job, bool? claim = null, Uri? url = null)
    {
        var data = await RecordAsync(job);
        var success = claim ?? (job.State == FakeJobState.Completed && job.Outcome == FakeJobOutcome.Success);
        if (claim is not null)
        {
            data["state"] = success ? "success" : "fail";
        }

        var body = new JsonObject
        {
            ["code"] = success ? 200 : 501,
            ["msg"] = success ? "Playground task completed successfully." : "Generation failed",
            ["data"] = data,
        };
        var headers = new Dictionary<string, string>();
        if (HmacKey is not null)
        {
            var timestamp = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - (Webhooks.Mode == FakeWebhookMode.StaleTimestamp ? 600 : 0))
                .ToString(CultureInfo.InvariantCulture);
            var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(HmacKey), Encoding.UTF8.GetBytes($"{job.Id}.{timestamp}")));
            if (Webhooks.Mode == FakeWebhookMode.BadSignature)
            {
                signature = Convert.ToBase64String(new byte[32]);
            }

            headers["X-Webhook-Timestamp"] = timestamp;
            headers["X-Webhook-Signature"] = signature;
        }

        var target = url ?? job.WebhookUrl ?? throw new InvalidOperationException("The task has no callBackUrl.");
        return new FakeWebhook(job.Id, target, headers, Encoding.UTF8.GetBytes(body.ToJsonString()));
    }

    private bool Authorized(RecordedRequest request) => request.Header("Authorization") == $"Bearer {ApiKey}";

    private static Task EnvelopeAsync(HttpContext context, int code, string message, JsonNode? data = null, int httpStatus = 200) =>
        FakeHttp.WriteJsonAsync(context, httpStatus, new JsonObject { ["code"] = code, ["msg"] = message, ["data"] = data });

    private async Task CreateTaskAsync(HttpContext context)
    {
        var request = await FakeHttp.RecordAsync(context);
        requests.Enqueue(request);
        if (!Authorized(request))
        {
            await EnvelopeAsync(context, 401, "You do not have access permissions", httpStatus: 401);
            return;
        }

        JsonObject? body;
        try
        {
            body = JsonNode.Parse(request.Body) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            body = null;
        }

        var model = body?["model"] is JsonValue m && m.TryGetValue<string>(out var name) ? name : null;
        if (body is null || string.IsNullOrEmpty(model) || body["input"] is not JsonObject input)
        {
            await EnvelopeAsync(context, 422, "model and input are required");
            return;
        }

        var callback = body["callBackUrl"] is JsonValue c && c.TryGetValue<string>(out var cb) && Uri.TryCreate(cb, UriKind.Absolute, out var cbUri) ? cbUri : null;
        FakeJob Accept() => Jobs.Accept(model, (JsonObject)input.DeepClone(), input, callback);

        if (await FakeHttp.ApplyFaultAsync(context, Faults, FakeOperation.Submit, () =>
            {
                Accept();
                return Task.CompletedTask;
            }))
        {
            return;
        }

        var job = Accept();
        await EnvelopeAsync(context, 200, "success", new JsonObject { ["taskId"] = job.Id });
    }

    private async Task RecordInfoAsync(HttpContext context)
    {
        var request = await FakeHttp.RecordAsync(context);
        requests.Enqueue(request);
        if (!Authorized(request))
        {
            await EnvelopeAsync(context, 401, "You do not have access permissions", httpStatus: 401);
            return;
        }

        if (await FakeHttp.ApplyFaultAsync(context, Faults, FakeOperation.Status))
        {
            return;
        }

        var job = Jobs.Find(request.Query("taskId") ?? string.Empty);
        if (job is null)
        {
            await EnvelopeAsync(context, 404, "recordInfo is null");
            return;
        }

        await Jobs.OnStatusPollAsync(job);
        await EnvelopeAsync(context, 200, "success", await RecordAsync(job));
    }

    private async Task<JsonObject> RecordAsync(FakeJob job)
    {
        var param = new JsonObject { ["model"] = job.Model, ["callBackUrl"] = job.WebhookUrl?.ToString(), ["input"] = job.Input.DeepClone() };
        var record = new JsonObject
        {
            ["taskId"] = job.Id,
            ["model"] = job.Model,
            ["state"] = job.State switch
            {
                FakeJobState.Queued => job.StatusPolls <= 1 ? "waiting" : "queuing",
                FakeJobState.Running => "generating",
                _ => job.Outcome == FakeJobOutcome.Success ? "success" : "fail",
            },
            ["param"] = param.ToJsonString(),
            ["resultJson"] = string.Empty,
            ["failCode"] = string.Empty,
            ["failMsg"] = string.Empty,
            ["costTime"] = null,
            ["completeTime"] = null,
            ["createTime"] = job.CreatedAt.ToUnixTimeMilliseconds(),
            ["updateTime"] = job.UpdatedAt.ToUnixTimeMilliseconds(),
        };
        if (job.State == FakeJobState.Completed)
        {
            record["costTime"] = (long)(job.UpdatedAt - job.CreatedAt).TotalMilliseconds;
            record["completeTime"] = job.UpdatedAt.ToUnixTimeMilliseconds();
            if (job.Outcome == FakeJobOutcome.Success)
            {
                await FakeMedia.GetPathAsync(job.MediaKind);
                var url = $"{Root}/files/{job.Id}/0/{FakeMedia.FileName(job.MediaKind)}";
                record["resultJson"] = new JsonObject { ["resultUrls"] = new JsonArray(url) }.ToJsonString();
            }
            else
            {
                var (code, message) = job.Outcome switch
                {
                    FakeJobOutcome.ContentPolicy => ("400", "The content was flagged as sensitive."),
                    FakeJobOutcome.ValidationError => ("422", "image_urls must be JPG or PNG."),
                    FakeJobOutcome.GenerationFailed => ("501", "Generation failed."),
                    _ => ("500", "Internal error."),
                };
                record["failCode"] = code;
                record["failMsg"] = message;
            }
        }

        return record;
    }

    private async Task UploadAsync(HttpContext context)
    {
        var request = await FakeHttp.RecordAsync(context);
        requests.Enqueue(request);
        if (!Authorized(request))
        {
            await EnvelopeAsync(context, 401, "You do not have access permissions", httpStatus: 401);
            return;
        }

        if (await FakeHttp.ApplyFaultAsync(context, Faults, FakeOperation.Upload))
        {
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var file = form.Files.GetFile("file");
        if (file is null || string.IsNullOrEmpty(form["uploadPath"]))
        {
            await EnvelopeAsync(context, 400, "file and uploadPath are required");
            return;
        }

        using var bytes = new MemoryStream();
        await file.CopyToAsync(bytes, context.RequestAborted);
        var fileName = string.IsNullOrEmpty(form["fileName"]) ? file.FileName : form["fileName"].ToString();
        var token = Guid.NewGuid().ToString("N");
        uploads[token] = (file.ContentType, fileName, bytes.ToArray(), DateTimeOffset.UtcNow);
        await FakeHttp.WriteJsonAsync(context, 200, new JsonObject
        {
            ["success"] = true,
            ["code"] = 200,
            ["msg"] = "File uploaded successfully",
            ["data"] = new JsonObject
            {
                ["fileName"] = fileName,
                ["filePath"] = $"{form["uploadPath"]}/{fileName}",
                ["downloadUrl"] = $"{Root}/upload/files/{token}/{Uri.EscapeDataString(fileName)}",
                ["fileSize"] = bytes.Length,
                ["mimeType"] = file.ContentType,
                ["uploadedAt"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            },
        });
    }

    private async Task GetUploadAsync(HttpContext context)
    {
        var token = (string?)context.Request.RouteValues["token"] ?? string.Empty;
        if (!uploads.TryGetValue(token, out var file))
        {
            await FakeHttp.WriteAsync(context, 404, "{\"code\":404,\"msg\":\"Not found\"}");
            return;
        }

        if (file.CreatedAt.UtcTicks < Interlocked.Read(ref expiredBefore))
        {
            await FakeHttp.WriteAsync(context, 403, "{\"code\":403,\"msg\":\"Link expired\"}");
            return;
        }

        context.Response.ContentType = file.ContentType;
        context.Response.ContentLength = file.Bytes.Length;
        await context.Response.Body.WriteAsync(file.Bytes, context.RequestAborted);
    }

    private async Task GetOutputAsync(HttpContext context)
    {
        var job = Jobs.Find((string?)context.Request.RouteValues["id"] ?? string.Empty);
        if (job is null || job.State != FakeJobState.Completed || job.Outcome != FakeJobOutcome.Success)
        {
            await FakeHttp.WriteAsync(context, 404, "{\"code\":404,\"msg\":\"Not found\"}");
            return;
        }

        if (job.CreatedAt.UtcTicks < Interlocked.Read(ref expiredBefore))
        {
            await FakeHttp.WriteAsync(context, 403, "{\"code\":403,\"msg\":\"Link expired\"}");
            return;
        }

        await FakeHttp.ServeFileAsync(context, await FakeMedia.GetPathAsync(job.MediaKind), FakeMedia.ContentType(job.MediaKind));
    }

    private async Task OnCompletedAsync(FakeJob job)
    {
        if (job.WebhookUrl is not null)
        {
            await Webhooks.SendAsync(await BuildCallbackAsync(job));
        }
    }
}
