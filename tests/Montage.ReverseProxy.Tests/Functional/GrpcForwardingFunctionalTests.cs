using Montage.Grpc;
using Montage.Grpc.Client;
using Montage.Grpc.Testing.V1;
using Montage.ReverseProxy.Tests.Infrastructure;

namespace Montage.ReverseProxy.Tests.Functional;

/// <summary>The four gRPC call kinds through the proxy to a real Montage gRPC service, over real HTTP/2 sockets.</summary>
[Collection(ProxyCollection.Name)]
public sealed class GrpcForwardingFunctionalTests(ProxyFixture proxy)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static CallOptions Options(params (string Key, string Value)[] headers)
    {
        var metadata = new Metadata();
        foreach (var (key, value) in headers)
        {
            metadata.Add(key, value);
        }

        return new CallOptions(metadata, DateTime.UtcNow.AddMinutes(2));
    }

    [Fact]
    public async Task Unary_call_is_answered_with_response_headers_and_trailers_kept()
    {
        using var call = proxy.Echo.Echo(
            new EchoRequest { Message = "hello", ResponseSize = 100, EchoMetadata = true },
            Options(("x-echo-color", "blue")));

        var response = await call.ResponseAsync;

        Assert.Equal("hello", response.Message);
        Assert.True(EchoClient.IsPattern(response.Payload.Span, 100));
        Assert.Equal("blue", (await call.ResponseHeadersAsync).GetValue("x-echo-color"));
        Assert.Equal("blue", call.GetTrailers().GetValue("x-echo-color"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Failure_status_message_and_custom_trailers_reach_the_client()
    {
        using var call = proxy.Echo.Echo(
            new EchoRequest { FailCode = (int)StatusCode.NotFound, FailMessage = "no such thing: ünïcode", EchoMetadata = true },
            Options(("x-echo-reason", "missing")));

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("no such thing: ünïcode", error.Status.Detail);
        Assert.Equal("missing", error.Trailers.GetValue("x-echo-reason"));
    }

    [Fact]
    public async Task Server_streaming_delivers_every_message_in_order()
    {
        using var call = proxy.Echo.ServerStream(new StreamRequest { Message = "tick", Count = 200, ResponseSize = 10 }, Options());

        var indexes = new List<int>();
        await foreach (var message in call.ResponseStream.ReadAllAsync())
        {
            Assert.Equal("tick", message.Message);
            indexes.Add(message.Index);
        }

        Assert.Equal(Enumerable.Range(0, 200), indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Server_streaming_with_no_messages_keeps_the_ok_status()
    {
        using var call = proxy.Echo.ServerStream(new StreamRequest { Count = 0 }, Options());

        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Server_streaming_failure_after_some_messages_keeps_both()
    {
        using var call = proxy.Echo.ServerStream(new StreamRequest { Count = 10, FailAfter = 3, FailCode = (int)StatusCode.ResourceExhausted }, Options());

        var received = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var unused in call.ResponseStream.ReadAllAsync())
            {
                received++;
            }
        });

        Assert.Equal(3, received);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Client_streaming_reads_every_request_message()
    {
        using var call = proxy.Echo.ClientStream(Options());
        for (var i = 0; i < 50; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = (i % 10).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;

        Assert.Equal(50, response.Count);
        Assert.Equal(string.Concat(Enumerable.Range(0, 50).Select(i => i % 10)), response.Message);
    }

    [Fact]
    public async Task Duplex_ping_pong_proves_both_directions_stream_without_buffering()
    {
        // Each answer is read before the next request is written: a proxy that buffered either direction would
        // never deliver the first answer, and this test would hang instead of passing.
        using var call = proxy.Echo.Duplex(Options());
        for (var i = 0; i < 25; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = "ping " + i });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Generous));
            Assert.Equal("ping " + i, call.ResponseStream.Current.Message);
            Assert.Equal(i, call.ResponseStream.Current.Index);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Deadline_reaches_the_upstream_which_cancels_the_handler()
    {
        var id = Guid.NewGuid().ToString("N");
        var options = new CallOptions(new Metadata { { CallProbe.Header, id } }, DateTime.UtcNow.AddSeconds(1));
        using var call = proxy.Echo.Echo(new EchoRequest { Message = "slow", DelayMs = 120_000 }, options);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        await proxy.Probe.WhenCancelled(id).WaitAsync(Generous);
    }

    [Fact]
    public async Task Client_cancellation_resets_the_upstream_call()
    {
        var id = Guid.NewGuid().ToString("N");
        using var cancellation = new CancellationTokenSource();
        var options = new CallOptions(new Metadata { { CallProbe.Header, id } }, DateTime.UtcNow.AddMinutes(5), cancellation.Token);
        using var call = proxy.Echo.Duplex(options);
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "first" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Generous));
        await proxy.Probe.WhenStarted(id).WaitAsync(Generous);

        await cancellation.CancelAsync();

        await proxy.Probe.WhenCancelled(id).WaitAsync(Generous);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Large_client_stream_of_100_MiB_passes_through()
    {
        const int messages = 100;
        var payload = Google.Protobuf.ByteString.CopyFrom(new byte[1024 * 1024]);
        using var call = proxy.Echo.ClientStream(Options());
        for (var i = 0; i < messages; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = "", Payload = payload });
        }

        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;

        Assert.Equal(messages, response.Count);
    }

    [Fact]
    public async Task Large_server_stream_of_100_MiB_arrives_intact()
    {
        const int size = 2 * 1024 * 1024;
        using var call = proxy.Echo.ServerStream(new StreamRequest { Message = "big", Count = 50, ResponseSize = size }, Options());

        var count = 0;
        await foreach (var message in call.ResponseStream.ReadAllAsync())
        {
            Assert.True(EchoClient.IsPattern(message.Payload.Span, size));
            count++;
        }

        Assert.Equal(50, count);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unreachable_upstream_is_a_grpc_unavailable_status()
    {
        using var call = proxy.DeadEcho.Echo(new EchoRequest { Message = "anyone?" }, Options());

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task Unreachable_upstream_answers_raw_grpc_clients_with_200_and_trailers_only_status_14()
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(proxy.ProxyGrpcAddress, "/dead/montage.testing.v1.EchoService/Echo"))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(new byte[5]),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("14", Assert.Single(response.Headers.GetValues("grpc-status")));
        Assert.Empty(body);
    }

    [Fact]
    public async Task Upstream_that_breaks_its_stream_midway_ends_the_call_unavailable_after_the_messages_sent()
    {
        var method = new Method<StreamRequest, EchoResponse>(MethodType.ServerStreaming, "montage.testing.v1.Broken", "Stream", StreamRequest.Parser, EchoResponse.Parser);
        var id = Guid.NewGuid().ToString("N");
        using var call = proxy.Channel.CreateCallInvoker().AsyncServerStreamingCall(method, null, Options((CallProbe.Header, id)), new StreamRequest());

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Generous));
        Assert.Equal("first", call.ResponseStream.Current.Message);
        proxy.BreakSignals.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Generous));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }
}
