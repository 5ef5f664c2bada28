using Montage.Grpc.Client;

namespace Montage.Hosting.Testing;

public static class GrpcTestingExtensions
{
    /// <summary>A gRPC channel (h2c) to the resource's <c>grpc</c> endpoint; dispose it with the test.</summary>
    public static GrpcChannel CreateGrpcChannel(
        this DistributedApplication app, string resourceName, string endpointName = "grpc", int replica = 0, GrpcChannelOptions? options = null) =>
        GrpcChannel.ForAddress(app.GetEndpoint(resourceName, endpointName, replica), options);
}
