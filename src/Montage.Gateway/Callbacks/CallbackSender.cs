using System.Net;
using System.Text;
using Microsoft.Extensions.Options;

namespace Montage.Gateway.Callbacks;

/// <summary>
/// One signed POST per attempt, through its own connection pool: not the app's default HttpClient pipeline, whose
/// retries would multiply attempts and whose service discovery would resolve a bare host name to an internal
/// service. No redirects (a redirect could lead to a private address), no proxy from the environment.
/// </summary>
internal sealed class CallbackSender : IDisposable
{
    private readonly HttpMessageInvoker _client;
    private readonly IOptionsMonitor<CallbackOptions> _options;
    private readonly TimeProvider _time;

    public CallbackSender(CallbackUrlPolicy policy, IOptionsMonitor<CallbackOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = (context, cancellationToken) => policy.ConnectAsync(context.DnsEndPoint, cancellationToken),
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        });
    }

    public async Task<AttemptResult> SendAsync(PendingDelivery delivery, WebhookSigner signer, CancellationToken cancellationToken)
    {
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.CallbackUrl)
        {
            Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", delivery.WebhookId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", signer.Sign(delivery.WebhookId, timestamp, delivery.Body));
        request.Headers.UserAgent.ParseAdd("Montage-Webhooks/1.0");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CurrentValue.AttemptTimeout);
        try
        {
            using var response = await _client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? new AttemptResult(DeliveryOutcome.Delivered, status, null)
                : response.StatusCode == HttpStatusCode.Gone ? new AttemptResult(DeliveryOutcome.Gone, status, "The receiver answered 410 Gone.")
                : new AttemptResult(DeliveryOutcome.Failed, status, $"The receiver answered {status}.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(DeliveryOutcome.Failed, null, "The receiver did not answer in time.");
        }
        catch (HttpRequestException exception)
        {
            // Only the kind of failure is kept: messages can carry addresses of the gateway's network.
            var refused = exception.InnerException is CallbackRefusedException;
            return new AttemptResult(DeliveryOutcome.Failed, null, refused ? "The callback URL resolves to an address callbacks may not reach." : "The receiver could not be reached.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Whatever else went wrong is this attempt's failure, never a stuck delivery.
            return new AttemptResult(DeliveryOutcome.Failed, null, "The request could not be sent (" + exception.GetType().Name + ").");
        }
    }

    public void Dispose() => _client.Dispose();
}

internal sealed record AttemptResult(DeliveryOutcome Outcome, int? Status, string? Error);
