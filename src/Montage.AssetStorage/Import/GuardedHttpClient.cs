using System.Net;
using System.Net.Sockets;

namespace Montage.AssetStorage.Import;

/// <summary>A connection was refused because the host resolved to an address the policy forbids.</summary>
internal sealed class BlockedAddressException(string message) : Exception(message);

/// <summary>
/// The HttpClient imports use. Its handler resolves names itself and connects to an address it has checked, so a
/// name cannot pass the check with one address and connect to another (DNS rebinding). Redirects are not followed
/// automatically: the importer follows them one by one, and every new connection passes the same check.
/// </summary>
internal static class GuardedHttpClient
{
    public static HttpClient Create(AddressPolicy policy, TimeSpan connectTimeout) =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = connectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = (context, cancellationToken) => ConnectAsync(policy, context.DnsEndPoint, cancellationToken),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

    private static async ValueTask<Stream> ConnectAsync(AddressPolicy policy, DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        var host = endpoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        // Every address must pass: a name with one public and one private address is not trusted at all.
        var refused = addresses.FirstOrDefault(a => !policy.IsAllowed(host, a));
        if (refused is not null)
        {
            throw new BlockedAddressException($"{host} resolves to a non-public address");
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException exception)
            {
                socket.Dispose();
                last = exception;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }
}
