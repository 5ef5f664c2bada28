using Montage.Grpc.Protocol;

namespace Montage.Grpc.Server;

/// <summary>Server-wide gRPC settings, configured with <c>services.AddGrpc(o =&gt; ...)</c>.</summary>
public sealed class GrpcServiceOptions
{
    /// <summary>Largest message the server accepts (after decompression); null: no limit. Default 4 MiB.</summary>
    public int? MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest message the server sends; null (the default): no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>
    /// Compression for response messages (only "gzip" is known), used when the client lists it in
    /// <c>grpc-accept-encoding</c>; null (the default): responses are not compressed.
    /// </summary>
    public string? ResponseCompressionAlgorithm { get; set; }

    /// <summary>When true, the message of an unexpected exception is sent to the client. Never in production.</summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>When true, calls to unknown services fall through to the rest of the app instead of UNIMPLEMENTED.</summary>
    public bool IgnoreUnknownServices { get; set; }
}
