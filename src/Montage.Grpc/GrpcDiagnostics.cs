using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Montage.Grpc;

/// <summary>
/// The ActivitySource and Meter of the gRPC library. ServiceDefaults subscribes to them by name; spans carry the
/// OpenTelemetry RPC semantic-convention attributes.
/// </summary>
public static class GrpcDiagnostics
{
    public const string Name = "Montage.Grpc";

    public const string RpcSystem = "rpc.system";
    public const string RpcService = "rpc.service";
    public const string RpcMethod = "rpc.method";
    public const string RpcGrpcStatusCode = "rpc.grpc.status_code";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);
}
