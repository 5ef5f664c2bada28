using System.Net.Http.Headers;
using Montage.Grpc.Client;
using Montage.Grpc.Testing.V1;

namespace Montage.Grpc.InteropTests;

/// <summary>
/// Montage's client against Montage's server where grpc-js cannot be the peer: the grpc-js server never compresses
/// responses, so gzip response decompression is checked here.
/// </summary>
public sealed class MontageClientToMontageServerFunctionalTests : IAsyncLifetime
{
    private MontageServerHost? _server;

    public async Task InitializeAsync() => _server = await MontageServerHost.StartAsync(options => options.ResponseCompressionAlgorithm = "gzip");

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Gzip_compressed_responses_are_decompressed_in_unary_and_streaming_calls()
    {
        var recorder = new ResponseHeaderRecorder(new SocketsHttpHandler());
        using var channel = GrpcChannel.ForAddress(_server!.Address, new GrpcChannelOptions { HttpHandler = recorder, DisposeHttpHandler = true });
        var invoker = channel.CreateCallInvoker();
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60));

        var unary = await invoker.AsyncUnaryCall(EchoMethods.Echo, null, options, new EchoRequest { Message = "zip", ResponseSize = 100_000 });
        using var stream = invoker.AsyncServerStreamingCall(EchoMethods.ServerStream, null, options, new StreamRequest { Message = "zip", Count = 3, ResponseSize = 50_000 });
        var streamed = new List<EchoResponse>();
        await foreach (var response in stream.ResponseStream.ReadAllAsync())
        {
            streamed.Add(response);
        }

        Assert.Equal(Pattern(100_000), unary.Payload.ToByteArray());
        Assert.Equal(3, streamed.Count);
        Assert.All(streamed, response => Assert.Equal(Pattern(50_000), response.Payload.ToByteArray()));
        Assert.All(recorder.Responses, headers => Assert.Equal(["gzip"], headers.GetValues("grpc-encoding")));
    }

    [Fact]
    public async Task Response_larger_than_the_limit_after_decompression_is_refused()
    {
        using var channel = GrpcChannel.ForAddress(_server!.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 });
        var call = channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Echo, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60)), new EchoRequest { ResponseSize = 1_000_000 });

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Server_status_wins_over_the_request_write_it_interrupted()
    {
        // The server fails the call on its first message while the client is still writing: whether the failure
        // surfaces from a write or from the response, the caller sees the server's status, never a cancellation.
        using var channel = GrpcChannel.ForAddress(_server!.Address);
        var invoker = channel.CreateCallInvoker();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var call = invoker.AsyncClientStreamingCall(EchoMethods.ClientStream, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60)));
            var error = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                await call.RequestStream.WriteAsync(new EchoRequest { FailCode = (int)StatusCode.InvalidArgument, FailMessage = "refused" });
                for (var i = 0; i < 50; i++)
                {
                    await call.RequestStream.WriteAsync(new EchoRequest { Message = "more" });
                }

                await call.RequestStream.CompleteAsync();
                await call.ResponseAsync;
            });

            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Equal("refused", error.Status.Detail);
        }
    }

    // The server's pattern for response payloads: byte i is (byte)i.
    private static byte[] Pattern(int size) => Enumerable.Range(0, size).Select(i => (byte)i).ToArray();

    private sealed class ResponseHeaderRecorder(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public List<HttpResponseHeaders> Responses { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            lock (Responses)
            {
                Responses.Add(response.Headers);
            }

            return response;
        }
    }
}
