using System.Text;

namespace Montage.Gateway.Tests.Infrastructure;

/// <summary>One Server-Sent Event as received.</summary>
public sealed record SseEvent(string? Id, string? Event, string Data);

/// <summary>Reads a text/event-stream response event by event (comments are counted, not returned).</summary>
public sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    public int Comments { get; private set; }

    /// <summary>The next event, or null at the end of the stream.</summary>
    public async Task<SseEvent?> NextAsync(CancellationToken cancellationToken)
    {
        string? id = null, type = null;
        var data = new StringBuilder();
        var any = false;
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (any && (data.Length > 0 || type is not null))
                {
                    return new SseEvent(id, type, data.ToString());
                }

                any = false;
                continue;
            }

            if (line.StartsWith(':'))
            {
                Comments++;
                continue;
            }

            any = true;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": type = value; break;
                case "data": data.Append(data.Length > 0 ? "\n" : "").Append(value); break;
            }
        }

        return null;
    }

    public void Dispose() => _reader.Dispose();
}
