using System.Net;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Montage.Grpc.Testing.V1;
using Montage.Grpc.Tests.Infrastructure;

namespace Montage.Grpc.Tests.Functional;

/// <summary>What the server answers at the protocol level: refusals, unknown routes, statuses, limits, failures.</summary>
public sealed class GrpcProtocolFunctionalTests(GrpcServerFixture server) : IClassFixture<GrpcServerFixture>
{
    private const string EchoPath = "/montage.testing.v1.EchoService/Echo";

    [Fact]
    public async Task Wrong_content_type_is_refused_with_415()
    {
        var request = GrpcWire.Request(EchoPath, GrpcWire.RawBody(GrpcWire.Frame(new EchoRequest()), "application/json"));

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("13", response.Headers.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task Http1_request_is_refused_with_426_upgrade_required()
    {
        using var client = new HttpClient { BaseAddress = server.Http1Address };
        var request = GrpcWire.Request(EchoPath, GrpcWire.Body(new EchoRequest { Message = "hi" }), HttpVersion.Version11);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal("13", response.Headers.GetValues("grpc-status").Single());
        Assert.Contains("HTTP/1.1", Uri.UnescapeDataString(response.Headers.GetValues("grpc-message").Single()));
    }

    [Theory]
    [InlineData("/montage.testing.v1.EchoService/NoSuchMethod", "Method is unimplemented.")]
    [InlineData("/montage.testing.v1.NoSuchService/Echo", "Service is unimplemented.")]
    [InlineData("/montage.images.v1.ImageGeneration/GenerateImage", "Method is unimplemented.")]
    public async Task Unknown_service_or_method_answers_unimplemented_trailers_only(string path, string message)
    {
        var result = await GrpcWire.CallAsync(server.Client, GrpcWire.Request(path, GrpcWire.Body(new EchoRequest())), EchoResponse.Parser);

        Assert.Equal(HttpStatusCode.OK, result.Response.StatusCode);
        Assert.True(result.TrailersOnly);
        Assert.Equal((int)StatusCode.Unimplemented, result.Status);
        Assert.Equal(message, result.StatusMessage);
        Assert.Empty(result.Messages);
    }

    [Fact]
    public async Task Non_grpc_request_to_an_unknown_path_is_left_to_the_app()
    {
        var request = GrpcWire.Request("/not.a.Service/Method", GrpcWire.RawBody([1, 2, 3], "application/json"));

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(response.Headers.Contains("grpc-status"));
    }

    public static TheoryData<int> ErrorCodes() => new(Enumerable.Range(1, 16));

    [Theory]
    [MemberData(nameof(ErrorCodes))]
    public async Task Every_status_code_is_sent_with_its_percent_encoded_message(int code)
    {
        var detail = $"code {code}: 100% café ☕ \r\n done";
        var request = new EchoRequest { FailCode = code, FailMessage = detail };

        var result = await GrpcWire.CallAsync(server.Client, GrpcWire.Request(EchoPath, GrpcWire.Body(request)), EchoResponse.Parser);

        Assert.Equal(code, result.Status);
        Assert.Equal(detail, result.StatusMessage);
        Assert.True(result.TrailersOnly);
        var raw = result.Header("grpc-message")!;
        Assert.All(raw, c => Assert.InRange(c, ' ', '~'));
        Assert.Contains("100%25", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_after_messages_travels_in_trailers()
    {
        var request = new StreamRequest { Message = "m", Count = 5, FailAfter = 2, FailCode = (int)StatusCode.Aborted };

        var result = await GrpcWire.CallAsync(
            server.Client, GrpcWire.Request("/montage.testing.v1.EchoService/ServerStream", GrpcWire.Body(request)), EchoResponse.Parser);

        Assert.Equal(2, result.Messages.Count);
        Assert.False(result.TrailersOnly);
        Assert.Equal((int)StatusCode.Aborted, result.Status);
        Assert.Equal("Failed after 2 responses, as requested.", result.StatusMessage);
    }

    [Fact]
    public async Task Unexpected_exception_becomes_internal_without_details()
    {
        var request = new EchoRequest { Message = ObservedEchoService.ThrowPrefix + "secret connection string" };

        var result = await GrpcWire.CallAsync(server.Client, GrpcWire.Request(EchoPath, GrpcWire.Body(request)), EchoResponse.Parser);

        Assert.Equal((int)StatusCode.Internal, result.Status);
        Assert.Equal("Exception was thrown by handler.", result.StatusMessage);
        Assert.DoesNotContain("secret", string.Join(" ", result.Response.Headers.Concat(result.Trailers).SelectMany(h => h.Value)));
        var logged = Assert.Single(server.Logs.Records, r => r.Exception?.Message == "secret connection string");
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Equal(1, logged.EventId.Id);
        Assert.Equal("Error when executing service method '/montage.testing.v1.EchoService/Echo'.", logged.Message);
    }

    [Fact]
    public async Task Message_over_4_MiB_is_refused_with_resource_exhausted()
    {
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[5 * 1024 * 1024]) };

        var result = await GrpcWire.CallAsync(server.Client, GrpcWire.Request(EchoPath, GrpcWire.Body(request)), EchoResponse.Parser);

        Assert.Equal((int)StatusCode.ResourceExhausted, result.Status);
        Assert.Empty(result.Messages);
    }

    [Fact]
    public async Task Message_just_under_4_MiB_is_accepted()
    {
        var request = new EchoRequest { Message = "big", Payload = ByteString.CopyFrom(new byte[(4 * 1024 * 1024) - 64]) };

        var result = await GrpcWire.CallAsync(server.Client, GrpcWire.Request(EchoPath, GrpcWire.Body(request)), EchoResponse.Parser);

        Assert.Equal(0, result.Status);
        Assert.Equal("big", Assert.Single(result.Messages).Message);
    }

    [Fact]
    public async Task Truncated_request_message_is_an_internal_error()
    {
        var frame = GrpcWire.Frame(new EchoRequest { Message = "cut short" });

        var result = await GrpcWire.CallAsync(
            server.Client, GrpcWire.Request(EchoPath, GrpcWire.RawBody(frame[..^3])), EchoResponse.Parser);

        Assert.Equal((int)StatusCode.Internal, result.Status);
        Assert.Equal("Incomplete message.", result.StatusMessage);
    }

    [Fact]
    public async Task Unary_request_with_two_messages_is_an_internal_error()
    {
        var result = await GrpcWire.CallAsync(
            server.Client, GrpcWire.Request(EchoPath, GrpcWire.Body(new EchoRequest(), new EchoRequest())), EchoResponse.Parser);

        Assert.Equal((int)StatusCode.Internal, result.Status);
    }

    [Fact]
    public async Task Invalid_argument_from_the_service_is_precise()
    {
        var result = await GrpcWire.CallAsync(
            server.Client, GrpcWire.Request(EchoPath, GrpcWire.Body(new EchoRequest { DelayMs = -1 })), EchoResponse.Parser);

        Assert.Equal((int)StatusCode.InvalidArgument, result.Status);
        Assert.Equal("delay_ms must not be negative.", result.StatusMessage);
    }
}
