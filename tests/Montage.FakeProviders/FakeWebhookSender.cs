using System.Collections.Concurrent;

namespace Montage.FakeProviders;

/// <summary>How the fake delivers completion webhooks.</summary>
public enum FakeWebhookMode
{
    Normal,

    /// <summary>Every webhook is delivered twice.</summary>
    Duplicate,

    /// <summary>No webhook is delivered (the client must poll).</summary>
    Missing,

    /// <summary>Delivered after <see cref="FakeWebhookSender.LateDelay"/>.</summary>
    Late,

    /// <summary>Kept until <see cref="FakeWebhookSender.ReleaseHeldAsync"/> (which can deliver them out of order).</summary>
    Held,

    /// <summary>Delivered with a corrupted signature.</summary>
    BadSignature,

    /// <summary>Delivered with a timestamp ten minutes old, correctly signed.</summary>
    StaleTimestamp,
}

/// <summary>One webhook delivery attempt and the receiver's answer (0 when unreachable).</summary>
public sealed record WebhookDeliveryRecord(string RequestId, Uri Url, int StatusCode, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>A webhook built for a job: headers and body, signed as the mode says.</summary>
public sealed record FakeWebhook(string RequestId, Uri Url, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>Posts webhooks with the provider's retry habit (a few attempts on failure) and records every delivery.</summary>
public sealed class FakeWebhookSender : IDisposable
{
    private readonly HttpClient client = new() { Timeout = TimeSpan.FromSeconds(15) };
    private readonly ConcurrentQueue<WebhookDeliveryRecord> deliveries = new();
    private readonly ConcurrentQueue<FakeWebhook> held = new();

    public FakeWebhookMode Mode { get; set; } = FakeWebhookMode.Normal;

    public TimeSpan LateDelay { get; set; } = TimeSpan.FromSeconds(2);

    public int MaxAttempts { get; set; } = 3;

    public IReadOnlyList<WebhookDeliveryRecord> Deliveries => deliveries.ToList();

    public int HeldCount => held.Count;

    internal async Task SendAsync(FakeWebhook webhook)
    {
        switch (Mode)
        {
            case FakeWebhookMode.Missing:
                return;
            case FakeWebhookMode.Held:
                held.Enqueue(webhook);
                return;
            case FakeWebhookMode.Late:
                _ = Task.Delay(LateDelay).ContinueWith(_ => DeliverAsync(webhook), TaskScheduler.Default).Unwrap();
                return;
            case FakeWebhookMode.Duplicate:
                await DeliverAsync(webhook);
                await DeliverAsync(webhook);
                return;
            default:
                await DeliverAsync(webhook);
                return;
        }
    }

    /// <summary>Delivers every held webhook, newest first when <paramref name="reverse"/> (out of order).</summary>
    public async Task ReleaseHeldAsync(bool reverse = false)
    {
        var batch = new List<FakeWebhook>();
        while (held.TryDequeue(out var webhook))
        {
            batch.Add(webhook);
        }

        if (reverse)
        {
            batch.Reverse();
        }

        foreach (var webhook in batch)
        {
            await DeliverAsync(webhook);
        }
    }

    /// <summary>Delivers a webhook as is (a test can craft forged or replayed ones).</summary>
    public async Task<int> DeliverAsync(FakeWebhook webhook)
    {
        var status = 0;
        for (var attempt = 0; attempt < Math.Max(1, MaxAttempts); attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(webhook.Body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                foreach (var (name, value) in webhook.Headers)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }

                using var response = await client.SendAsync(request);
                status = (int)response.StatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                status = 0;
            }

            deliveries.Enqueue(new WebhookDeliveryRecord(webhook.RequestId, webhook.Url, status, webhook.Headers, webhook.Body));
            if (status is >= 200 and < 300)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        return status;
    }

    public void Reset()
    {
        Mode = FakeWebhookMode.Normal;
        deliveries.Clear();
        held.Clear();
    }

    public void Dispose() => client.Dispose();
}
