using Microsoft.AspNetCore.Http;
using Montage.Grpc.Protocol;

namespace Montage.Grpc.Server;

/// <summary>Status headers and trailers; the numeric status strings are made once.</summary>
internal static class GrpcHttpResponses
{
    private static readonly string[] CodeStrings = Enumerable.Range(0, 17).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public static string CodeString(StatusCode code) =>
        (uint)code < CodeStrings.Length ? CodeStrings[(int)code] : ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Writes grpc-status and grpc-message into headers (trailers-only response) or trailers.</summary>
    public static void SetStatus(IHeaderDictionary destination, Status status)
    {
        destination.GrpcStatus = CodeString(status.StatusCode);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            destination.GrpcMessage = StatusMessageEncoding.Encode(status.Detail);
        }
    }

    /// <summary>Adds custom metadata to headers or trailers; protocol header names are never overwritten.</summary>
    public static void AppendMetadata(IHeaderDictionary destination, Metadata metadata)
    {
        for (var i = 0; i < metadata.Count; i++)
        {
            var entry = metadata[i];
            if (GrpcProtocol.IsReservedHeader(entry.Key))
            {
                continue;
            }

            destination.Append(entry.Key, MetadataEncoding.EncodeValue(entry));
        }
    }

    /// <summary>
    /// An error answered before any gRPC processing: an HTTP status plus grpc-status in the headers, no body,
    /// as grpc-dotnet does for a wrong content-type (415) or a non-HTTP/2 request (426).
    /// </summary>
    public static void WriteHttpError(HttpResponse response, int httpStatusCode, StatusCode code, string message)
    {
        response.StatusCode = httpStatusCode;
        SetStatus(response.Headers, new Status(code, message));
    }

    /// <summary>A trailers-only gRPC response: HTTP 200, content-type, status in the single HEADERS frame.</summary>
    public static void WriteTrailersOnly(HttpResponse response, Status status)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        SetStatus(response.Headers, status);
    }
}
