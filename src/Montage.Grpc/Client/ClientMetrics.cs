using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Montage.Grpc.Client;

/// <summary>The client call duration histogram of the OpenTelemetry RPC conventions (<c>rpc.client.duration</c>, ms).</summary>
internal static class ClientMetrics
{
    private static readonly Histogram<double> Duration = GrpcDiagnostics.Meter.CreateHistogram<double>(
        "rpc.client.duration", "ms", "Duration of outbound gRPC calls.");

    public static void RecordCall(CallTarget target, StatusCode status, long startTimestamp)
    {
        if (!Duration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { GrpcDiagnostics.RpcSystem, "grpc" },
            { GrpcDiagnostics.RpcService, target.ServiceName },
            { GrpcDiagnostics.RpcMethod, target.MethodName },
            { GrpcDiagnostics.RpcGrpcStatusCode, (int)status },
        };
        Duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds, tags);
    }
}
