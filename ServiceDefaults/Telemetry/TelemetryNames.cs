namespace Montage.ServiceDefaults.Telemetry;

/// <summary>
/// The ActivitySources and Meters Montage services export. The instrumentation packages do not
/// restore here, so we subscribe to what the runtime and libraries already emit.
/// </summary>
public static class TelemetryNames
{
    public static readonly IReadOnlyList<string> ActivitySources =
    [
        "Microsoft.AspNetCore",   // server spans
        "System.Net.Http",        // client spans, including W3C propagation
        "Npgsql",
        "Montage.Grpc",           // one span per gRPC call (rpc.system, rpc.service, rpc.method, rpc.grpc.status_code)
        "Montage.*",
    ];

    public static readonly IReadOnlyList<string> Meters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Net.Http",
        "System.Runtime",
        "Npgsql",
        "Montage.*",
    ];
}
