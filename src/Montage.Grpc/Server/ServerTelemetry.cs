using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Montage.Grpc.Server;

/// <summary>
/// Enriches ASP.NET Core's request Activity with the RPC semantic-convention attributes and records
/// <c>rpc.server.duration</c>. Boxed status codes and display names are prepared once, not per call.
/// </summary>
internal static class ServerTelemetry
{
    private const string HostingActivityName = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    private static readonly Histogram<double> Duration = GrpcDiagnostics.Meter.CreateHistogram<double>(
        "rpc.server.duration", unit: "ms", description: "Duration of inbound gRPC calls.");

    private static readonly object[] BoxedCodes = Enumerable.Range(0, 17).Select(i => (object)i).ToArray();

    public static object BoxedCode(StatusCode code) => (uint)code < BoxedCodes.Length ? BoxedCodes[(int)code] : (int)code;

    /// <summary>The request Activity created by ASP.NET Core hosting when someone listens, or null.</summary>
    public static Activity? StartCall(ServerMethodInfo method)
    {
        var activity = Activity.Current;
        if (activity is null || activity.OperationName != HostingActivityName)
        {
            return null;
        }

        activity.DisplayName = method.DisplayName;
        activity.SetTag(GrpcDiagnostics.RpcSystem, "grpc");
        activity.SetTag(GrpcDiagnostics.RpcService, method.ServiceName);
        activity.SetTag(GrpcDiagnostics.RpcMethod, method.MethodName);
        return activity;
    }

    public static void EndCall(Activity? activity, ServerMethodInfo method, StatusCode code, long startTimestamp)
    {
        var boxed = BoxedCode(code);
        if (activity is not null)
        {
            activity.SetTag(GrpcDiagnostics.RpcGrpcStatusCode, boxed);
            if (IsServerError(code))
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }

        if (Duration.Enabled)
        {
            var tags = new TagList
            {
                { GrpcDiagnostics.RpcSystem, "grpc" },
                { GrpcDiagnostics.RpcService, method.ServiceName },
                { GrpcDiagnostics.RpcMethod, method.MethodName },
                { GrpcDiagnostics.RpcGrpcStatusCode, boxed },
            };
            Duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds, tags);
        }
    }

    // The OpenTelemetry RPC conventions mark these codes as server-side errors; the others are the caller's doing.
    private static bool IsServerError(StatusCode code) => code is StatusCode.Unknown or StatusCode.DeadlineExceeded
        or StatusCode.Unimplemented or StatusCode.Internal or StatusCode.Unavailable or StatusCode.DataLoss;
}
