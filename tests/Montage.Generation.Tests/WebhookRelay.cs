using System.Net;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;

namespace Montage.Generation.Tests;

/// <summary>
/// What the gateway's webhook receiver does, in miniature: takes the fake providers' webhooks at
/// <c>/webhooks/fal</c> and <c>/webhooks/kie</c> and hands each to JobTracker.DeliverProviderEvent, with the job hint of
/// the URL (<c>?job=</c>), before answering 2xx.
/// </summary>
public sealed class WebhookRelay : IAsyncDisposable
{
    private WebApplication? _app;

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    public JobTrackerClient? Jobs { get; set; }

    public int Delivered => _delivered;

    private int _delivered;

    public static async Task<WebhookRelay> StartAsync()
    {
        var relay = new WebhookRelay();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/webhooks/{provider}", relay.ReceiveAsync);
        await app.StartAsync();
        relay._app = app;
        relay.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return relay;
    }

    private async Task<IResult> ReceiveAsync(string provider, HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body);
        var (requestId, succeeded) = provider == "kie"
            ? ((string?)body?["data"]?["taskId"], (int?)body?["code"] == 200)
            : ((string?)body?["request_id"], (string?)body?["status"] == "OK");
        if (requestId is null || Jobs is null)
        {
            return Results.BadRequest();
        }

        await Jobs.DeliverProviderEventAsync(new DeliverProviderEventRequest
        {
            Provider = provider,
            RequestId = requestId,
            Outcome = succeeded ? "succeeded" : "failed",
            PayloadJson = body!.ToJsonString(),
            ReceivedAt = Timestamp.FromDateTime(DateTime.UtcNow),
            JobIdHint = context.Request.Query["job"].ToString(),
        });
        Interlocked.Increment(ref _delivered);
        return Results.Ok();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
