using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Montage.Gateway.Callbacks;

/// <summary>
/// Decides whether a callback URL may be called: at submit time (so the client hears about a refused URL at once)
/// and again at connect time, on the addresses actually connected to (so DNS that changes its answer later cannot
/// point a callback at the gateway's own network).
/// </summary>
public sealed class CallbackUrlPolicy(IOptionsMonitor<CallbackOptions> options)
{
    /// <summary>Null when <paramref name="url"/> may be called; otherwise why not, for the client.</summary>
    public async Task<string?> CheckAsync(string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "'callback_url' must be an absolute http(s) URL.";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "'callback_url' must not carry credentials in the URL.";
        }

        if (options.CurrentValue.AllowPrivateNetworks)
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.IdnHost, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            return "'callback_url' names a host that does not resolve.";
        }

        return addresses.Length > 0 && addresses.All(CallbackAddressPolicy.IsPublic)
            ? null
            : "'callback_url' must reach a public address; private, loopback and link-local addresses are refused.";
    }

    /// <summary>Connects only to permitted addresses of the endpoint (the HTTP handler's connect step).</summary>
    public async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
        var permitted = options.CurrentValue.AllowPrivateNetworks ? addresses : [.. addresses.Where(CallbackAddressPolicy.IsPublic)];
        if (permitted.Length == 0)
        {
            throw new CallbackRefusedException($"'{endpoint.Host}' resolves only to addresses callbacks may not reach.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(permitted, endpoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A callback target refused by the address policy at connect time.</summary>
public sealed class CallbackRefusedException(string message) : Exception(message);
