using Microsoft.Extensions.Primitives;

namespace Montage.ReverseProxy.Forwarder;

/// <summary>
/// Headers that describe one connection rather than the message (RFC 9110 §7.6.1), so a proxy must not pass them
/// on, plus those the HTTP stack sets itself.
/// </summary>
internal static class HopByHopHeaders
{
    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection",
        "Keep-Alive",
        "Proxy-Connection",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Host",
        "Alt-Svc",
        "HTTP2-Settings",
    };

    /// <summary>Whether <paramref name="name"/> stays on this hop; <paramref name="connection"/> lists more such headers.</summary>
    public static bool IsHopByHop(string name, StringValues connection)
    {
        if (name.StartsWith(':'))
        {
            return true;
        }

        if (Names.Contains(name))
        {
            return true;
        }

        foreach (var value in connection)
        {
            foreach (var token in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (string.Equals(token, name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>"TE: trailers" is the one TE value that must reach a gRPC server (it is how it knows trailers are understood).</summary>
    public static bool IsTeTrailers(string name, StringValues values) =>
        string.Equals(name, "TE", StringComparison.OrdinalIgnoreCase)
        && values.Count == 1
        && string.Equals(values[0], "trailers", StringComparison.OrdinalIgnoreCase);
}
