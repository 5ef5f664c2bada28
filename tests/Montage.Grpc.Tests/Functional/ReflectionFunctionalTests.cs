using Google.Protobuf;
using Google.Protobuf.Reflection;
using Montage.Grpc.Tests.Infrastructure;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace Montage.Grpc.Tests.Functional;

/// <summary>Server reflection over HTTP/2: what grpcurl and reflection clients ask to call us without .proto files.</summary>
public sealed class ReflectionFunctionalTests(GrpcServerFixture server) : IClassFixture<GrpcServerFixture>
{
    private const string V1Path = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";

    [Fact]
    public async Task List_services_names_every_mapped_service()
    {
        var response = Assert.Single(await AskAsync(new V1.ServerReflectionRequest { Host = "h", ListServices = "" }));

        Assert.Equal("h", response.ValidHost);
        Assert.Equal(
            [
                "grpc.health.v1.Health",
                "grpc.reflection.v1.ServerReflection",
                "grpc.reflection.v1alpha.ServerReflection",
                "montage.images.v1.ImageGeneration",
                "montage.testing.v1.EchoService",
            ],
            response.ListServicesResponse.Service.Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("montage.testing.v1.EchoService")]
    [InlineData("montage.testing.v1.EchoService.ServerStream")]
    [InlineData("montage.testing.v1.EchoRequest")]
    [InlineData("montage.testing.v1.StreamRequest")]
    public async Task File_containing_symbol_returns_the_echo_proto(string symbol)
    {
        var response = Assert.Single(await AskAsync(new V1.ServerReflectionRequest { FileContainingSymbol = symbol }));

        var file = FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal("montage/testing/v1/echo.proto", file.Name);
        Assert.Contains(file.Service, s => s.Name == "EchoService");
    }

    [Fact]
    public async Task Nested_enum_symbol_is_found()
    {
        var response = Assert.Single(await AskAsync(
            new V1.ServerReflectionRequest { FileContainingSymbol = "grpc.health.v1.HealthCheckResponse.ServingStatus" }));

        Assert.Equal("grpc/health/v1/health.proto", FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]).Name);
    }

    [Fact]
    public async Task File_by_filename_includes_transitive_dependencies()
    {
        var response = Assert.Single(await AskAsync(new V1.ServerReflectionRequest { FileByFilename = "montage/images/v1/images.proto" }));

        var files = response.FileDescriptorResponse.FileDescriptorProto.Select(b => FileDescriptorProto.Parser.ParseFrom(b)).ToList();
        Assert.Equal("montage/images/v1/images.proto", files[0].Name);
        Assert.Contains("montage/common/v1/models.proto", files[0].Dependency);
        var names = files.Select(f => f.Name).ToList();
        Assert.Contains("montage/common/v1/models.proto", names);
        Assert.Contains("google/protobuf/duration.proto", names);
        Assert.Equal(names.Count, names.Distinct().Count());

        // The files are enough to rebuild the service descriptor, as a reflection client does.
        var built = FileDescriptor.BuildFromByteStrings(response.FileDescriptorResponse.FileDescriptorProto.Reverse());
        Assert.Contains(built.SelectMany(f => f.Services), s => s.FullName == "montage.images.v1.ImageGeneration");
    }

    [Fact]
    public async Task Unknown_names_answer_not_found_error_responses_on_the_same_stream()
    {
        var responses = await AskAsync(
            new V1.ServerReflectionRequest { FileByFilename = "nope.proto" },
            new V1.ServerReflectionRequest { FileContainingSymbol = "no.such.Symbol" },
            new V1.ServerReflectionRequest { FileContainingExtension = new V1.ExtensionRequest { ContainingType = "montage.testing.v1.EchoRequest", ExtensionNumber = 100 } },
            new V1.ServerReflectionRequest { AllExtensionNumbersOfType = "no.such.Type" },
            new V1.ServerReflectionRequest { AllExtensionNumbersOfType = "montage.testing.v1.EchoRequest" });

        Assert.Equal(5, responses.Count);
        Assert.All(responses.Take(4), r => Assert.Equal((int)StatusCode.NotFound, r.ErrorResponse.ErrorCode));
        Assert.Equal("montage.testing.v1.EchoRequest", responses[4].AllExtensionNumbersResponse.BaseTypeName);
        Assert.Empty(responses[4].AllExtensionNumbersResponse.ExtensionNumber);
    }

    [Fact]
    public async Task V1alpha_answers_the_same_questions()
    {
        var request = new V1Alpha.ServerReflectionRequest { FileContainingSymbol = "montage.testing.v1.EchoService" };

        var result = await GrpcWire.CallAsync(
            server.Client,
            GrpcWire.Request("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", GrpcWire.Body(request, new V1Alpha.ServerReflectionRequest { ListServices = "*" })),
            V1Alpha.ServerReflectionResponse.Parser);

        Assert.Equal(0, result.Status);
        Assert.Equal(2, result.Messages.Count);
        Assert.Equal("montage/testing/v1/echo.proto", FileDescriptorProto.Parser.ParseFrom(result.Messages[0].FileDescriptorResponse.FileDescriptorProto[0]).Name);
        Assert.Equal(request, result.Messages[0].OriginalRequest);
        Assert.Contains(result.Messages[1].ListServicesResponse.Service, s => s.Name == "grpc.reflection.v1alpha.ServerReflection");
    }

    private async Task<IReadOnlyList<V1.ServerReflectionResponse>> AskAsync(params V1.ServerReflectionRequest[] requests)
    {
        var result = await GrpcWire.CallAsync(
            server.Client, GrpcWire.Request(V1Path, GrpcWire.Body(requests.Cast<IMessage>().ToArray())), V1.ServerReflectionResponse.Parser);
        Assert.Equal(0, result.Status);
        return result.Messages;
    }
}
