using System.Net;
using Montage.Grpc.Testing.V1;
using Montage.Grpc.Tests.Infrastructure;

namespace Montage.Grpc.Tests.Functional;

/// <summary>The four call kinds, metadata, compression, deadlines and cancellation, driven by a raw HTTP/2 client.</summary>
public sealed class EchoCallsFunctionalTests(GrpcServerFixture server) : IClassFixture<GrpcServerFixture>
{
    private const string Service = "/montage.testing.v1.EchoService/";
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Unary_call_answers_one_message_then_ok_trailers()
    {
        var result = await GrpcWire.CallAsync(
            server.Client, GrpcWire.Request(Service + "Echo", GrpcWire.Body(new EchoRequest { Message = "hello", ResponseSize = 10 })), EchoResponse.Parser);

        Assert.Equal(HttpStatusCode.OK, result.Response.StatusCode);
        Assert.Equal(HttpVersion.Version20, result.Response.Version);
        Assert.Equal("application/grpc", result.Response.Content.Headers.ContentType?.MediaType);
        var response = Assert.Single(result.Messages);
        Assert.Equal("hello", response.Message);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i), response.Payload.ToByteArray());
        Assert.False(result.TrailersOnly);
        Assert.Equal(0, result.Status);
        Assert.Null(GrpcWire.Encoding(result.Response));
    }

    [Fact]
    public async Task Handler_sees_method_host_peer_and_deadline_in_its_context()
    {
        var request = GrpcWire.Request(Service + "Echo", GrpcWire.Body(new EchoRequest { Message = ObservedEchoService.DescribeContext }));
        request.Headers.Add("grpc-timeout", "100M");

        var result = await GrpcWire.CallAsync(server.Client, request, EchoResponse.Parser);

        var parts = Assert.Single(result.Messages).Message.Split('|');
        Assert.Equal("/montage.testing.v1.EchoService/Echo", parts[0]);
        Assert.Equal($"127.0.0.1:{server.GrpcAddress.Port}", parts[1]);
        Assert.StartsWith("ipv4:127.0.0.1:", parts[2]);
        Assert.InRange(int.Parse(parts[3]), 5000, 6000);
        Assert.Equal("HTTP/2", parts[4]);
    }

    [Fact]
    public async Task Server_streaming_sends_count_messages_in_order()
    {
        var request = new StreamRequest { Message = "tick", Count = 5, IntervalMs = 10 };

        var result = await GrpcWire.CallAsync(server.Client, GrpcWire.Request(Service + "ServerStream", GrpcWire.Body(request)), EchoResponse.Parser);

        Assert.Equal(0, result.Status);
        Assert.Equal([0, 1, 2, 3, 4], result.Messages.Select(m => m.Index));
        Assert.All(result.Messages, m => Assert.Equal("tick", m.Message));
    }

    [Fact]
    public async Task Server_streaming_with_no_messages_is_trailers_only_ok()
    {
        var result = await GrpcWire.CallAsync(
            server.Client, GrpcWire.Request(Service + "ServerStream", GrpcWire.Body(new StreamRequest { Count = 0 })), EchoResponse.Parser);

        Assert.Equal(0, result.Status);
        Assert.True(result.TrailersOnly);
        Assert.Empty(result.Messages);
    }

    [Fact]
    public async Task Client_streaming_reads_every_message_while_it_arrives()
    {
        var content = new StreamingContent();
        var call = server.Client.SendAsync(GrpcWire.Request(Service + "ClientStream", content), HttpCompletionOption.ResponseHeadersRead);
        foreach (var part in new[] { "a", "b", "c" })
        {
            content.Write(new EchoRequest { Message = part });
        }

        content.Complete();
        var result = await GrpcWire.ReadToEndAsync(await call, EchoResponse.Parser);

        Assert.Equal(0, result.Status);
        var response = Assert.Single(result.Messages);
        Assert.Equal("abc", response.Message);
        Assert.Equal(3, response.Count);
    }

    [Fact]
    public async Task Duplex_answers_each_message_before_the_next_is_sent()
    {
        var content = new StreamingContent();
        var call = server.Client.SendAsync(GrpcWire.Request(Service + "Duplex", content), HttpCompletionOption.ResponseHeadersRead);
        content.Write(new EchoRequest { Message = "first" });
        using var response = await call.WaitAsync(Generous);
        var body = await response.Content.ReadAsStreamAsync();

        var first = await GrpcWire.ReadMessageAsync(body, EchoResponse.Parser, null).WaitAsync(Generous);
        content.Write(new EchoRequest { Message = "second" });
        var second = await GrpcWire.ReadMessageAsync(body, EchoResponse.Parser, null).WaitAsync(Generous);
        content.Complete();
        var end = await GrpcWire.ReadMessageAsync(body, EchoResponse.Parser, null).WaitAsync(Generous);

        Assert.Equal(("first", 0), (first!.Message, first.Index));
        Assert.Equal(("second", 1), (second!.Message, second.Index));
        Assert.Null(end);
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task Metadata_travels_both_ways_including_binary_values()
    {
        var binary = new byte[] { 0, 1, 2, 250, 255 };
        var request = GrpcWire.Request(Service + "Echo", GrpcWire.Body(new EchoRequest { Message = "meta", EchoMetadata = true }));
        request.Headers.Add("x-echo-text", "plain value");
        request.Headers.Add("x-echo-data-bin", Convert.ToBase64String(binary).TrimEnd('='));
        request.Headers.Add("x-not-echoed", "ignored");

        var result = await GrpcWire.CallAsync(server.Client, request, EchoResponse.Parser);

        Assert.Equal(0, result.Status);
        Assert.Equal("plain value", result.Header("x-echo-text"));
        Assert.Equal(binary, Protocol.MetadataEncoding.DecodeBase64(result.Header("x-echo-data-bin")!));
        Assert.Equal("plain value", result.Trailer("x-echo-text"));
        Assert.Equal(binary, Protocol.MetadataEncoding.DecodeBase64(result.Trailer("x-echo-data-bin")!));
        Assert.Null(result.Header("x-not-echoed"));
    }

    [Fact]
    public async Task Error_after_response_headers_carries_metadata_in_trailers()
    {
        var request = GrpcWire.Request(
            Service + "Echo", GrpcWire.Body(new EchoRequest { EchoMetadata = true, FailCode = (int)StatusCode.NotFound, FailMessage = "gone" }));
        request.Headers.Add("x-echo-id", "42");

        var result = await GrpcWire.CallAsync(server.Client, request, EchoResponse.Parser);

        Assert.False(result.TrailersOnly);
        Assert.Equal("42", result.Header("x-echo-id"));
        Assert.Equal((int)StatusCode.NotFound, result.Status);
        Assert.Equal("gone", result.StatusMessage);
        Assert.Equal("42", result.Trailer("x-echo-id"));
    }

    [Fact]
    public async Task Gzip_request_is_read_and_response_is_gzip_when_accepted()
    {
        var content = GrpcWire.RawBody(GrpcWire.Frame(new EchoRequest { Message = "zipped", ResponseSize = 4096 }, compress: true));
        var request = GrpcWire.Request(Service + "Echo", content);
        request.Headers.Add("grpc-encoding", "gzip");
        request.Headers.Add("grpc-accept-encoding", "identity,gzip");

        using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var message = await GrpcWire.ReadMessageAsync(new MemoryStream(bytes), EchoResponse.Parser, "gzip");

        Assert.Equal("gzip", GrpcWire.Encoding(response));
        Assert.Equal(1, bytes[0]);
        Assert.True(bytes.Length < 4096, $"a compressed 4 KiB payload should be smaller, was {bytes.Length} bytes");
        Assert.Equal("zipped", message!.Message);
        Assert.Equal(4096, message.Payload.Length);
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task Compressed_message_with_unknown_encoding_is_unimplemented()
    {
        var request = GrpcWire.Request(Service + "Echo", GrpcWire.RawBody(GrpcWire.Frame(new EchoRequest(), compress: true)));
        request.Headers.Add("grpc-encoding", "snappy");

        var result = await GrpcWire.CallAsync(server.Client, request, EchoResponse.Parser);

        Assert.Equal((int)StatusCode.Unimplemented, result.Status);
        Assert.Contains("gzip", result.Header("grpc-accept-encoding"));
    }

    [Fact]
    public async Task Deadline_exceeded_when_the_handler_waits_too_long()
    {
        var request = GrpcWire.Request(Service + "Echo", GrpcWire.Body(new EchoRequest { DelayMs = 120_000 }));
        request.Headers.Add("grpc-timeout", "200m");

        var result = await GrpcWire.CallAsync(server.Client, request, EchoResponse.Parser);

        Assert.Equal((int)StatusCode.DeadlineExceeded, result.Status);
        Assert.Empty(result.Messages);
    }

    [Fact]
    public async Task Deadline_exceeded_is_sent_even_when_the_handler_ignores_cancellation()
    {
        var request = GrpcWire.Request(Service + "Echo", GrpcWire.Body(new EchoRequest { Message = ObservedEchoService.IgnoreToken, DelayMs = 10_000 }));
        request.Headers.Add("grpc-timeout", "100m");
        request.Headers.Add(CallProbe.Header, "ignores-token");

        var result = await GrpcWire.CallAsync(server.Client, request, EchoResponse.Parser);

        Assert.Equal((int)StatusCode.DeadlineExceeded, result.Status);
        Assert.Empty(result.Messages);
        Assert.False(server.Probe.WhenEnded("ignores-token").IsCompleted, "the answer came before the handler finished");
        await server.Probe.WhenEnded("ignores-token").WaitAsync(Generous);
    }

    [Fact]
    public async Task Deadline_exceeded_mid_stream_ends_with_trailers_after_messages()
    {
        var request = GrpcWire.Request(Service + "ServerStream", GrpcWire.Body(new StreamRequest { Count = 1000, IntervalMs = 50 }));
        request.Headers.Add("grpc-timeout", "1S");

        var result = await GrpcWire.CallAsync(server.Client, request, EchoResponse.Parser);

        Assert.Equal((int)StatusCode.DeadlineExceeded, result.Status);
        Assert.False(result.TrailersOnly);
        Assert.InRange(result.Messages.Count, 1, 999);
    }

    [Fact]
    public async Task Client_reset_mid_stream_cancels_the_handler()
    {
        var content = new StreamingContent();
        var request = GrpcWire.Request(Service + "Duplex", content);
        request.Headers.Add(CallProbe.Header, "reset-by-client");
        using var cancel = new CancellationTokenSource();
        var call = server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        content.Write(new EchoRequest { Message = "one" });
        var response = await call.WaitAsync(Generous);
        var first = await GrpcWire.ReadMessageAsync(await response.Content.ReadAsStreamAsync(), EchoResponse.Parser, null).WaitAsync(Generous);
        Assert.Equal("one", first!.Message);
        Assert.False(server.Probe.WhenCancelled("reset-by-client").IsCompleted);

        // Cancelling an unfinished HTTP/2 request makes HttpClient send RST_STREAM(CANCEL).
        await cancel.CancelAsync();
        response.Dispose();

        await server.Probe.WhenCancelled("reset-by-client").WaitAsync(Generous);
        await server.Probe.WhenEnded("reset-by-client").WaitAsync(Generous);
    }

    [Fact]
    public async Task Many_concurrent_unary_calls_all_succeed()
    {
        var calls = Enumerable.Range(0, 200).Select(async i =>
        {
            var result = await GrpcWire.CallAsync(
                server.Client, GrpcWire.Request(Service + "Echo", GrpcWire.Body(new EchoRequest { Message = $"m{i}" })), EchoResponse.Parser);
            return (result.Status, result.Messages.Single().Message);
        });

        var results = await Task.WhenAll(calls);

        Assert.Equal(Enumerable.Range(0, 200).Select(i => ((int?)0, $"m{i}")), results);
    }
}
