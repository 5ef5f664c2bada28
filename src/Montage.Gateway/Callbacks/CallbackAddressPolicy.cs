using System.Net;
using System.Net.Sockets;

namespace Montage.Gateway.Callbacks;

/// <summary>
/// Which addresses a callback may reach: public unicast only, so that a callback URL cannot make the gateway call
/// its own network (SSRF): loopback, private, carrier-grade NAT, link-local (cloud metadata), multicast, reserved
/// and unspecified addresses are refused, IPv4-mapped IPv6 judged as IPv4.
/// </summary>
public static class CallbackAddressPolicy
{
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return !(b[0] == 0
                || b[0] == 10
                || b[0] == 127
                || (b[0] == 100 && (b[1] & 0xC0) == 64)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && (b[1] & 0xF0) == 16)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 198 && (b[1] & 0xFE) == 18)
                || b[0] >= 224);
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> b = stackalloc byte[16];
            address.TryWriteBytes(b, out _);
            return !(IPAddress.IsLoopback(address)
                || address.Equals(IPAddress.IPv6None)
                || address.IsIPv6LinkLocal
                || address.IsIPv6SiteLocal
                || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC
                || b[..12].SequenceEqual(Nat64Prefix));
        }

        return false;
    }

    // 64:ff9b::/96 embeds an IPv4 address behind a NAT64 gateway; refusing the whole prefix is the simple safe choice.
    private static ReadOnlySpan<byte> Nat64Prefix => [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
}
