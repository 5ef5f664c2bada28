using Microsoft.Extensions.DependencyInjection;

namespace Montage.Grpc.Server;

/// <summary>Returned by <c>AddGrpc()</c> for further gRPC configuration.</summary>
public interface IGrpcServerBuilder
{
    IServiceCollection Services { get; }
}

internal sealed class GrpcServerBuilder(IServiceCollection services) : IGrpcServerBuilder
{
    public IServiceCollection Services { get; } = services;
}
