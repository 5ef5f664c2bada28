using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Google.Protobuf;
using Montage.Grpc.Protocol;

namespace Montage.Grpc.Tests.Infrastructure;

/// <summary>The outcome of a raw gRPC call: the response, its messages and the status, wherever it was sent.</summary>
public sealed record GrpcResult<T>(HttpResponseMessage Response, IReadOnlyList<T> Messages, int? Status, string? StatusMessage, bool TrailersOnly)
{
    public HttpResponseHeaders Trailers => Response.TrailingHeaders;

    public string? Header(string name) => Response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    public string? Trailer(string name) => Trailers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}

/// <summary>
/// gRPC by hand over HttpClient: length-prefixed frames in, frames and status out. Independent of Montage's
/// client on purpose, so that these tests check the wire protocol itself.
/// </summary>
public static class GrpcWire
{
    public static byte[] Frame(IMessage message, bool compress = false)
    {
        var payload = message.ToByteArray();
        if (compress)
        {
            using var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(payload);
            }

            payload = output.ToArray();
        }

        var frame = new byte[5 + payload.Length];
        frame[0] = compress ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static HttpRequestMessage Request(string path, HttpContent content, Version? version = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = version ?? HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        return request;
    }

    public static ByteArrayContent Body(params IMessage[] messages) => RawBody(messages.SelectMany(m => Frame(m)).ToArray());

    public static ByteArrayContent RawBody(byte[] bytes, string contentType = GrpcProtocol.ContentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    /// <summary>Sends a request whose body is known up front and reads the whole response, trailers included.</summary>
    public static async Task<GrpcResult<T>> CallAsync<T>(HttpClient client, HttpRequestMessage request, MessageParser<T> parser)
        where T : IMessage<T>
    {
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return await ReadToEndAsync(response, parser);
    }

    /// <summary>Reads every message to the end of the body; only then are the trailers available.</summary>
    public static async Task<GrpcResult<T>> ReadToEndAsync<T>(HttpResponseMessage response, MessageParser<T> parser)
        where T : IMessage<T>
    {
        var body = await response.Content.ReadAsStreamAsync();
        var messages = new List<T>();
        while (await ReadMessageAsync(body, parser, Encoding(response)) is { } message)
        {
            messages.Add(message);
        }

        var (status, text, trailersOnly) = StatusOf(response);
        return new GrpcResult<T>(response, messages, status, text, trailersOnly);
    }

    /// <summary>Reads the next message of a response body; null at its end.</summary>
    public static async Task<T?> ReadMessageAsync<T>(Stream body, MessageParser<T> parser, string? encoding, CancellationToken cancellationToken = default)
        where T : IMessage<T>
    {
        var header = new byte[5];
        var read = await body.ReadAtLeastAsync(header, 5, throwOnEndOfStream: false, cancellationToken);
        if (read == 0)
        {
            return default;
        }

        if (read < 5)
        {
            throw new InvalidDataException("The body ended inside a message header.");
        }

        var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
        await body.ReadExactlyAsync(payload, cancellationToken);
        if (header[0] == 1)
        {
            if (encoding != "gzip")
            {
                throw new InvalidDataException($"A compressed message arrived with grpc-encoding '{encoding}'.");
            }

            using var gzip = new GZipStream(new MemoryStream(payload), CompressionMode.Decompress);
            using var inflated = new MemoryStream();
            await gzip.CopyToAsync(inflated, cancellationToken);
            payload = inflated.ToArray();
        }

        return parser.ParseFrom(payload);
    }

    public static string? Encoding(HttpResponseMessage response) =>
        response.Headers.TryGetValues("grpc-encoding", out var values) ? values.Single() : null;

    public static (int? Status, string? Message, bool TrailersOnly) StatusOf(HttpResponseMessage response)
    {
        if (response.TrailingHeaders.TryGetValues("grpc-status", out var status))
        {
            return (int.Parse(status.Single()), MessageOf(response.TrailingHeaders), false);
        }

        if (response.Headers.TryGetValues("grpc-status", out status))
        {
            return (int.Parse(status.Single()), MessageOf(response.Headers), true);
        }

        return (null, null, false);
    }

    private static string? MessageOf(HttpHeaders headers) =>
        headers.TryGetValues("grpc-message", out var values) ? StatusMessageEncoding.Decode(values.Single()) : null;
}

/// <summary>A request body written message by message while the call runs (client and bidirectional streaming).</summary>
public sealed class StreamingContent : HttpContent
{
    private readonly Channel<byte[]> _frames = Channel.CreateUnbounded<byte[]>();

    public StreamingContent()
    {
        Headers.ContentType = MediaTypeHeaderValue.Parse(GrpcProtocol.ContentType);
    }

    public void Write(IMessage message, bool compress = false) => _frames.Writer.TryWrite(GrpcWire.Frame(message, compress));

    public void Complete() => _frames.Writer.TryComplete();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    // HttpClient cancels this token when the call is cancelled; honouring it lets the stream be reset.
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await foreach (var frame in _frames.Reader.ReadAllAsync(cancellationToken))
        {
            await stream.WriteAsync(frame, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
