using System.Net.Http.Headers;
using Google.Protobuf;
using Montage.Grpc.Client;
using Montage.Grpc.Testing.V1;

namespace Montage.Grpc.InteropTests;

/// <summary>Montage's gRPC client calling a grpc-js server of the sample EchoService over real HTTP/2 sockets.</summary>
public sealed class MontageClientToGrpcJsServerInteropTests(GrpcJsServerFixture server) : IClassFixture<GrpcJsServerFixture>, IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(server.Address);

    private CallInvoker Invoker => _channel.CreateCallInvoker();

    [Fact]
    public async Task Unary_call_returns_the_echoed_message()
    {
        using var call = Invoker.AsyncUnaryCall(EchoMethods.Echo, null, Options(), new EchoRequest { Message = "hello", ResponseSize = 3 });

        var response = await call;

        Assert.Equal("hello", response.Message);
        Assert.Equal(3, response.Payload.Length);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Server_streaming_call_receives_every_response_in_order()
    {
        using var call = Invoker.AsyncServerStreamingCall(EchoMethods.ServerStream, null, Options(), new StreamRequest { Message = "tick", Count = 5 });

        var indexes = new List<int>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            Assert.Equal("tick", response.Message);
            indexes.Add(response.Index);
        }

        Assert.Equal([0, 1, 2, 3, 4], indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Client_streaming_call_sends_every_request_before_the_single_response()
    {
        using var call = Invoker.AsyncClientStreamingCall(EchoMethods.ClientStream, null, Options());

        foreach (var part in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = part });
        }

        await call.RequestStream.CompleteAsync();
        var response = await call;

        Assert.Equal("abc", response.Message);
        Assert.Equal(3, response.Count);
    }

    [Fact]
    public async Task Duplex_call_gets_each_answer_before_sending_the_next_request()
    {
        using var call = Invoker.AsyncDuplexStreamingCall(EchoMethods.Duplex, null, Options());

        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"m{i}" });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal($"m{i}", call.ResponseStream.Current.Message);
            Assert.Equal(i, call.ResponseStream.Current.Index);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Deadline_shorter_than_the_server_delay_fails_with_deadline_exceeded()
    {
        var options = new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300));
        using var call = Invoker.AsyncUnaryCall(EchoMethods.Echo, null, options, new EchoRequest { Message = "slow", DelayMs = 20_000 });

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Generous));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Cancelling_in_the_middle_of_a_server_stream_fails_with_cancelled_and_the_channel_keeps_working()
    {
        using var cancellation = new CancellationTokenSource();
        using var call = Invoker.AsyncServerStreamingCall(
            EchoMethods.ServerStream, null, new CallOptions(cancellationToken: cancellation.Token), new StreamRequest { Message = "long", Count = 1000, IntervalMs = 20 });

        for (var i = 0; i < 3; i++)
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        }

        await cancellation.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        var after = await Invoker.AsyncUnaryCall(EchoMethods.Echo, null, Options(), new EchoRequest { Message = "still here" });
        Assert.Equal("still here", after.Message);
    }

    [Fact]
    public async Task Request_of_5_MiB_is_refused_by_the_server_with_resource_exhausted()
    {
        var request = new EchoRequest { Message = "big", Payload = ByteString.CopyFrom(new byte[5 * 1024 * 1024]) };
        using var call = Invoker.AsyncUnaryCall(EchoMethods.Echo, null, Options(), request);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Response_of_5_MiB_is_refused_by_the_client_with_resource_exhausted()
    {
        using var call = Invoker.AsyncUnaryCall(EchoMethods.Echo, null, Options(), new EchoRequest { Message = "big", ResponseSize = 5 * 1024 * 1024 });

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("exceeds the maximum size", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_and_binary_metadata_round_trip_through_headers_and_trailers()
    {
        var binary = new byte[] { 0, 1, 2, 250, 255, 10, 13 };
        var headers = new Metadata { { "x-echo-text", "plain value" }, { "x-echo-data-bin", binary } };
        using var call = Invoker.AsyncUnaryCall(EchoMethods.Echo, null, Options() with { Headers = headers }, new EchoRequest { Message = "meta", EchoMetadata = true });

        await call;
        var responseHeaders = await call.ResponseHeadersAsync;
        var trailers = call.GetTrailers();

        Assert.Equal("plain value", responseHeaders.GetValue("x-echo-text"));
        Assert.Equal(binary, responseHeaders.GetValueBytes("x-echo-data-bin"));
        Assert.Equal("plain value", trailers.GetValue("x-echo-text"));
        Assert.Equal(binary, trailers.GetValueBytes("x-echo-data-bin"));
    }

    [Fact]
    public async Task Error_status_surfaces_with_code_percent_decoded_message_and_trailers()
    {
        const string detail = "Ünïcödé job ✓ not found: 100% gone\t(really)";
        var request = new EchoRequest { Message = "fail", FailCode = (int)StatusCode.NotFound, FailMessage = detail, EchoMetadata = true };
        var headers = new Metadata { { "x-echo-reason", "testing" } };
        using var call = Invoker.AsyncUnaryCall(EchoMethods.Echo, null, Options() with { Headers = headers }, request);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(detail, error.Status.Detail);
        Assert.Equal("testing", error.Trailers.GetValue("x-echo-reason"));
        Assert.Equal(error.Status, call.GetStatus());
    }

    [Fact]
    public async Task Server_stream_that_fails_midway_delivers_the_messages_then_the_status()
    {
        using var call = Invoker.AsyncServerStreamingCall(
            EchoMethods.ServerStream, null, Options(), new StreamRequest { Message = "x", Count = 10, FailAfter = 2, FailCode = (int)StatusCode.Aborted });

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.Aborted, error.StatusCode);
    }

    [Fact]
    public async Task Gzip_compressed_requests_are_understood_by_the_server()
    {
        var recorder = new RequestHeaderRecorder(new SocketsHttpHandler());
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { CompressionEncoding = "gzip", HttpHandler = recorder, DisposeHttpHandler = true });
        var invoker = channel.CreateCallInvoker();
        var message = string.Concat(Enumerable.Repeat("compressible text ", 4000));

        var unary = await invoker.AsyncUnaryCall(EchoMethods.Echo, null, Options(), new EchoRequest { Message = message });
        using var streaming = invoker.AsyncClientStreamingCall(EchoMethods.ClientStream, null, Options());
        await streaming.RequestStream.WriteAsync(new EchoRequest { Message = message });
        await streaming.RequestStream.WriteAsync(new EchoRequest { Message = "!" });
        await streaming.RequestStream.CompleteAsync();
        var concatenated = await streaming;

        Assert.Equal(message, unary.Message);
        Assert.Equal(message + "!", concatenated.Message);
        Assert.All(recorder.Requests, headers => Assert.Equal(["gzip"], headers.GetValues("grpc-encoding")));
    }

    [Fact]
    public async Task Unknown_method_fails_with_unimplemented_from_a_trailers_only_response()
    {
        var missing = new Method<EchoRequest, EchoResponse>(MethodType.Unary, "montage.testing.v1.EchoService", "Missing", EchoRequest.Parser, EchoResponse.Parser);
        using var call = Invoker.AsyncUnaryCall(missing, null, Options(), new EchoRequest { Message = "?" });

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Duplex_call_ended_by_the_server_with_an_error_reports_it_to_reader_and_writer()
    {
        using var call = Invoker.AsyncDuplexStreamingCall(EchoMethods.Duplex, null, Options());

        await call.RequestStream.WriteAsync(new EchoRequest { Message = "ok" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "stop", FailCode = (int)StatusCode.FailedPrecondition, FailMessage = "stopped" });
        var readError = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        var writeError = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest { Message = "late" }));

        Assert.Equal(StatusCode.FailedPrecondition, readError.StatusCode);
        Assert.Equal("stopped", readError.Status.Detail);
        Assert.Equal(StatusCode.FailedPrecondition, writeError.StatusCode);
    }

    [Fact]
    public async Task Many_concurrent_calls_share_the_channel()
    {
        var calls = Enumerable.Range(0, 200)
            .Select(i => Invoker.AsyncUnaryCall(EchoMethods.Echo, null, Options(), new EchoRequest { Message = $"n{i}" }).ResponseAsync);

        var responses = await Task.WhenAll(calls);

        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"n{i}"), responses.Select(r => r.Message));
    }

    public void Dispose() => _channel.Dispose();

    private static CallOptions Options() => new(deadline: DateTime.UtcNow.Add(Generous));

    /// <summary>Records the headers of every request the channel sends.</summary>
    private sealed class RequestHeaderRecorder(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public List<HttpRequestHeaders> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(request.Headers);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
