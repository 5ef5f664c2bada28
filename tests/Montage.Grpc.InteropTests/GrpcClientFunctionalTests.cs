using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Montage.Grpc.Client;
using Montage.Grpc.Testing.V1;

namespace Montage.Grpc.InteropTests;

/// <summary>
/// Montage's client against real sockets that fail below gRPC: HTTP errors from a plain HTTP/2 server, a refused
/// connection, a server that never answers; plus extra connections, address resolution and the client span.
/// </summary>
public sealed class GrpcClientFunctionalTests(ScriptedHttp2Server server) : IClassFixture<ScriptedHttp2Server>
{
    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(415, StatusCode.Unknown)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.Unavailable)]
    public async Task Http_status_without_grpc_status_maps_to_the_spec_code(int httpStatus, StatusCode expected)
    {
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => Call(channel, ScriptedHttp2Server.StatusMethod(httpStatus)));

        Assert.Equal(expected, error.StatusCode);
        Assert.Contains(httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ok_response_that_is_not_grpc_fails_with_internal()
    {
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => Call(channel, "Text"));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("text/plain", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_connection_fails_with_unavailable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");

        var error = await Assert.ThrowsAsync<RpcException>(() => Call(channel, "Slow"));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task Deadline_is_enforced_locally_when_the_server_never_answers()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");

        var error = await Assert.ThrowsAsync<RpcException>(() => Call(channel, "Slow", new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(500))).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Cancellation_ends_a_call_the_server_never_answers_with_cancelled()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");
        using var cancellation = new CancellationTokenSource();
        var call = Call(channel, "Slow", new CallOptions(cancellationToken: cancellation.Token));

        await cancellation.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Calls_beyond_the_servers_stream_limit_open_extra_connections()
    {
        using var channel = GrpcChannel.ForAddress(server.Address);
        var headers = new Metadata { { "x-run", "extra-connections" } };

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Call(channel, "Slow", new CallOptions(headers))));

        Assert.Equal(8, responses.Length);
        Assert.True(server.ConnectionsByRun["extra-connections"].Count >= 2, $"Only {server.ConnectionsByRun["extra-connections"].Count} connection(s) for 8 calls at 2 streams per connection.");
    }

    [Fact]
    public async Task Address_resolver_maps_a_service_discovery_name_to_the_endpoint()
    {
        var asked = new List<Uri>();
        using var channel = GrpcChannel.ForAddress("http://_grpc.scripted", new GrpcChannelOptions
        {
            AddressResolver = address =>
            {
                lock (asked)
                {
                    asked.Add(address);
                }

                return server.Address;
            },
        });

        var response = await Call(channel, "Slow");

        Assert.NotNull(response);
        Assert.Contains(new Uri("http://_grpc.scripted"), asked);
    }

    [Fact]
    public async Task Each_call_is_a_client_span_whose_trace_reaches_the_server()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GrpcDiagnostics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (spans)
                {
                    spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var channel = GrpcChannel.ForAddress(server.Address);

        await Assert.ThrowsAsync<RpcException>(() => Call(channel, ScriptedHttp2Server.StatusMethod(404)));

        Activity span;
        lock (spans)
        {
            span = Assert.Single(spans, s => s.DisplayName == "test.Http/Status404");
        }

        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("grpc", span.GetTagItem(GrpcDiagnostics.RpcSystem));
        Assert.Equal("test.Http", span.GetTagItem(GrpcDiagnostics.RpcService));
        Assert.Equal("Status404", span.GetTagItem(GrpcDiagnostics.RpcMethod));
        Assert.Equal((int)StatusCode.Unimplemented, span.GetTagItem(GrpcDiagnostics.RpcGrpcStatusCode));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Contains(server.TraceParents, traceParent => traceParent.Contains(span.TraceId.ToHexString(), StringComparison.Ordinal));
    }

    private static Task<EchoResponse> Call(GrpcChannel channel, string methodName, CallOptions options = default)
    {
        var method = new Method<EchoRequest, EchoResponse>(MethodType.Unary, "test.Http", methodName, EchoRequest.Parser, EchoResponse.Parser);
        var deadline = options.Deadline ?? DateTime.UtcNow.AddSeconds(60);
        return channel.CreateCallInvoker().AsyncUnaryCall(method, null, options with { Deadline = deadline }, new EchoRequest { Message = "x" }).ResponseAsync;
    }
}
