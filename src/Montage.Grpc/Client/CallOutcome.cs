using System.Net.Http.Headers;
using Montage.Grpc.Protocol;

namespace Montage.Grpc.Client;

/// <summary>How a call ended: its status and trailers (built from the HTTP trailers only when someone asks).</summary>
internal sealed class CallOutcome
{
    private readonly HttpHeaders? _trailerHeaders;
    private Metadata? _trailers;

    public CallOutcome(Status status, Metadata trailers)
    {
        Status = status;
        _trailers = trailers;
    }

    public CallOutcome(Status status, HttpHeaders trailerHeaders)
    {
        Status = status;
        _trailerHeaders = trailerHeaders;
    }

    public Status Status { get; }

    public Metadata Trailers => _trailers ??= ToMetadata(_trailerHeaders!);

    public RpcException CreateException() => new(Status, Trailers);

    private static Metadata ToMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var header in headers.NonValidated)
        {
            MetadataEncoding.AddHeader(metadata, header.Key, header.Value);
        }

        return metadata;
    }
}
