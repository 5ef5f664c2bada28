using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Montage.Grpc.Server;

/// <summary>
/// Larger HTTP/2 receive windows for gRPC servers. Kestrel's defaults (768 KiB per stream, 1 MiB per connection) are
/// smaller than one 1 MiB upload chunk, so a client streaming large messages stalls for a WINDOW_UPDATE in the middle
/// of every message. A stream window of one default-size message (4 MiB) lets a whole message arrive at once; the
/// connection window bounds what one connection can make the server buffer. Values an app set itself are kept.
/// </summary>
internal static class KestrelHttp2Windows
{
    public const int StreamWindowSize = 4 * 1024 * 1024;
    public const int ConnectionWindowSize = 8 * 1024 * 1024;

    private static readonly Http2Limits Defaults = new();

    public static void Apply(KestrelServerOptions options)
    {
        var http2 = options.Limits.Http2;
        if (http2.InitialStreamWindowSize == Defaults.InitialStreamWindowSize)
        {
            http2.InitialStreamWindowSize = StreamWindowSize;
        }

        if (http2.InitialConnectionWindowSize == Defaults.InitialConnectionWindowSize)
        {
            http2.InitialConnectionWindowSize = ConnectionWindowSize;
        }
    }
}
