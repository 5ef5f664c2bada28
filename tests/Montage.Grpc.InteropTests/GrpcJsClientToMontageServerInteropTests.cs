using System.Text.Json;

namespace Montage.Grpc.InteropTests;

/// <summary>
/// A grpc-js client (tests/interop/interop-client.js, a real node process) calling Montage's server of the sample
/// EchoService, and reading Montage's reflection service with grpc-js.
/// </summary>
public sealed class GrpcJsClientToMontageServerInteropTests(GrpcJsClientRunFixture run) : IClassFixture<GrpcJsClientRunFixture>
{
    [Fact]
    public void Unary_call_returns_the_echoed_message()
    {
        var result = run.Scenario("unary");

        Assert.Equal(0, Code(result));
        Assert.Equal("hello", result.GetProperty("message").GetString());
        Assert.Equal(3, result.GetProperty("payloadLength").GetInt32());
    }

    [Fact]
    public void Server_streaming_call_receives_every_response_in_order()
    {
        var result = run.Scenario("server_streaming");

        Assert.Equal(0, Code(result));
        Assert.Equal([0, 1, 2, 3, 4], result.GetProperty("indexes").EnumerateArray().Select(i => i.GetInt32()));
    }

    [Fact]
    public void Client_streaming_call_sends_every_request_before_the_single_response()
    {
        var result = run.Scenario("client_streaming");

        Assert.Equal(0, Code(result));
        Assert.Equal("abc", result.GetProperty("message").GetString());
        Assert.Equal(3, result.GetProperty("count").GetInt32());
    }

    [Fact]
    public void Duplex_call_gets_each_answer_before_sending_the_next_request()
    {
        var result = run.Scenario("duplex");

        Assert.Equal(0, Code(result));
        var received = result.GetProperty("received").EnumerateArray().Select(r => (r.GetProperty("message").GetString(), r.GetProperty("index").GetInt32()));
        Assert.Equal([("m0", 0), ("m1", 1), ("m2", 2)], received);
    }

    [Fact]
    public void Deadline_shorter_than_the_server_delay_fails_with_deadline_exceeded()
    {
        Assert.Equal((int)StatusCode.DeadlineExceeded, Code(run.Scenario("deadline")));
    }

    [Fact]
    public void Cancelling_in_the_middle_of_a_server_stream_fails_with_cancelled_and_the_channel_keeps_working()
    {
        var result = run.Scenario("cancel_stream");

        Assert.Equal((int)StatusCode.Cancelled, Code(result));
        Assert.Equal(3, result.GetProperty("received").GetInt32());
        Assert.Equal("still here", result.GetProperty("after").GetString());
    }

    [Fact]
    public void Request_of_5_MiB_is_refused_by_the_server_with_resource_exhausted()
    {
        Assert.Equal((int)StatusCode.ResourceExhausted, Code(run.Scenario("too_large_request")));
    }

    [Fact]
    public void Response_of_5_MiB_is_refused_by_the_client_with_resource_exhausted()
    {
        Assert.Equal((int)StatusCode.ResourceExhausted, Code(run.Scenario("too_large_response")));
    }

    [Fact]
    public void Text_and_binary_metadata_round_trip_through_headers_and_trailers()
    {
        var result = run.Scenario("metadata");
        var binary = Convert.ToBase64String([0, 1, 2, 250, 255, 10, 13]);

        Assert.Equal(0, Code(result));
        Assert.Equal("plain value", result.GetProperty("headerText").GetString());
        Assert.Equal(binary, result.GetProperty("headerBin").GetString());
        Assert.Equal("plain value", result.GetProperty("trailerText").GetString());
        Assert.Equal(binary, result.GetProperty("trailerBin").GetString());
    }

    [Fact]
    public void Error_status_arrives_with_code_percent_decoded_message_and_trailers()
    {
        var result = run.Scenario("error_status");

        Assert.Equal((int)StatusCode.NotFound, Code(result));
        Assert.Equal("Ünïcödé job ✓ not found: 100% gone\t(really)", result.GetProperty("details").GetString());
        Assert.Equal("testing", result.GetProperty("trailerReason").GetString());
    }

    [Fact]
    public void Gzip_requests_are_decompressed_and_gzip_responses_are_understood()
    {
        var result = run.Scenario("gzip");

        Assert.Equal(0, Code(result));
        Assert.True(result.GetProperty("unaryEchoed").GetBoolean());
        Assert.True(result.GetProperty("streamedEchoed").GetBoolean());
        Assert.Equal(64 * 1024, result.GetProperty("payloadLength").GetInt32());
    }

    [Fact]
    public void Reflection_lists_services_serves_the_file_descriptor_and_the_method_is_callable_with_it()
    {
        var result = run.Scenario("reflection");

        var services = result.GetProperty("services").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Contains("montage.testing.v1.EchoService", services);
        Assert.True(result.GetProperty("fileCount").GetInt32() >= 1);
        Assert.Equal(["Echo", "ServerStream", "ClientStream", "Duplex"], result.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("via reflection", result.GetProperty("echoed").GetString());
    }

    private static int Code(JsonElement result) => result.GetProperty("code").GetInt32();
}
