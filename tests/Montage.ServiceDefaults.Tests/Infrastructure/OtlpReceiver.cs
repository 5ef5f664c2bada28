using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Montage.ServiceDefaults.Tests.Infrastructure;

/// <summary>
/// A minimal OTLP/HTTP collector: accepts POSTs to /v1/traces, /v1/metrics and /v1/logs and
/// keeps them. Payloads are not decoded; strings in protobuf are stored verbatim, so looking
/// for a name in the bytes is enough to know it was sent.
/// </summary>
public sealed class OtlpReceiver
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<OtlpPost>> _posts = new(StringComparer.Ordinal);

    public IReadOnlyList<OtlpPost> Posts(string signal) =>
        _posts.TryGetValue(signal, out var posts) ? [.. posts] : [];

    public void Map(WebApplication app) => app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
    {
        using var body = new MemoryStream();
        var content = string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(request.Body, CompressionMode.Decompress)
            : request.Body;
        await content.CopyToAsync(body);
        _posts.GetOrAdd(signal, _ => new ConcurrentQueue<OtlpPost>()).Enqueue(new OtlpPost(request.ContentType, body.ToArray()));

        // An empty Export*ServiceResponse: full success.
        return Results.Bytes([], "application/x-protobuf");
    });
}

public sealed record OtlpPost(string? ContentType, byte[] Body)
{
    public bool Contains(string text) => Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
