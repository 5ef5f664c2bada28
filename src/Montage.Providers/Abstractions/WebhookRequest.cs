namespace Montage.Providers.Abstractions;

/// <summary>An inbound webhook exactly as received: the headers and the raw, unparsed body bytes.</summary>
public sealed class WebhookRequest
{
    private readonly Dictionary<string, string> headers;

    public WebhookRequest(IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        this.headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            this.headers[name] = value;
        }

        Body = body;
    }

    /// <summary>Header names are case-insensitive.</summary>
    public IReadOnlyDictionary<string, string> Headers => headers;

    public ReadOnlyMemory<byte> Body { get; }

    public string? GetHeader(string name) => headers.TryGetValue(name, out var value) ? value : null;
}
