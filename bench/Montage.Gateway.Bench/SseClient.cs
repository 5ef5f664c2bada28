using System.Diagnostics;
using System.Text;

namespace Montage.Gateway.Bench;

/// <summary>
/// One Server-Sent Events client on <c>GET /v1/jobs/{id}/events</c>: records when each event type first arrives
/// (Stopwatch ticks of this process, the same clock the driver uses), until the job's terminal event ends the stream.
/// </summary>
internal sealed class SseClient(string jobId)
{
    private readonly Dictionary<string, long> _arrivals = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string JobId { get; } = jobId;

    /// <summary>Completes when the first event (the replayed <c>job.queued</c>) arrived: the stream is live.</summary>
    public Task Ready => _first.Task;

    public string? Error { get; private set; }

    public long? ArrivalOf(string type)
    {
        lock (_arrivals)
        {
            return _arrivals.TryGetValue(type, out var ticks) ? ticks : null;
        }
    }

    public async Task RunAsync(HttpClient client, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{JobId}/events")
            {
                Version = client.DefaultRequestVersion,
                VersionPolicy = client.DefaultVersionPolicy,
            };
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                Error = $"HTTP {(int)response.StatusCode}: {(text.Length > 300 ? text[..300] : text)}";
                return;
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var reader = new StreamReader(body, Encoding.UTF8);
            string? type = null;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line["event: ".Length..];
                }
                else if (line.Length == 0 && type is not null)
                {
                    var now = Stopwatch.GetTimestamp();
                    lock (_arrivals)
                    {
                        _arrivals.TryAdd(type, now);
                    }

                    _first.TrySetResult();
                    type = null;
                }
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException)
        {
            Error = exception.GetType().Name + ": " + exception.Message;
        }
        finally
        {
            _first.TrySetResult();
        }
    }
}
