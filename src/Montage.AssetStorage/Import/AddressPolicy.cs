using System.Net;
using System.Net.Sockets;

namespace Montage.AssetStorage.Import;

/// <summary>
/// Which addresses an import may connect to: public unicast only. Loopback, private (RFC 1918), CGNAT, link-local
/// (cloud metadata lives at 169.254.169.254), multicast, reserved and documentation ranges are refused, in IPv4 and
/// IPv6 alike, including IPv4 hidden in IPv6 (mapped, compatible, NAT64, 6to4). The allowlist (host names or CIDR
/// ranges from configuration) is the only way around it.
/// </summary>
internal sealed class AddressPolicy
{
    private static readonly IpRange[] BlockedRanges =
    [
        IpRange.Parse("0.0.0.0/8"), IpRange.Parse("10.0.0.0/8"), IpRange.Parse("100.64.0.0/10"), IpRange.Parse("127.0.0.0/8"),
        IpRange.Parse("169.254.0.0/16"), IpRange.Parse("172.16.0.0/12"), IpRange.Parse("192.0.0.0/24"), IpRange.Parse("192.0.2.0/24"),
        IpRange.Parse("192.88.99.0/24"), IpRange.Parse("192.168.0.0/16"), IpRange.Parse("198.18.0.0/15"), IpRange.Parse("198.51.100.0/24"),
        IpRange.Parse("203.0.113.0/24"), IpRange.Parse("224.0.0.0/4"), IpRange.Parse("240.0.0.0/4"),
        IpRange.Parse("::/128"), IpRange.Parse("::1/128"), IpRange.Parse("100::/64"), IpRange.Parse("2001:db8::/32"),
        IpRange.Parse("2001::/32"), IpRange.Parse("fc00::/7"), IpRange.Parse("fe80::/10"), IpRange.Parse("fec0::/10"), IpRange.Parse("ff00::/8"),
    ];

    private readonly HashSet<string> _allowedHosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<IpRange> _allowedRanges = [];

    public AddressPolicy(IEnumerable<string> allowlist)
    {
        foreach (var entry in allowlist.Select(e => e.Trim()).Where(e => e.Length > 0))
        {
            if (IpRange.TryParse(entry, out var range))
            {
                _allowedRanges.Add(range);
            }
            else
            {
                _allowedHosts.Add(entry.TrimEnd('.'));
            }
        }
    }

    public bool IsHostAllowlisted(string host) => _allowedHosts.Contains(host.TrimEnd('.'));

    /// <summary>True when a connection to <paramref name="address"/> is allowed for a URL naming <paramref name="host"/>.</summary>
    public bool IsAllowed(string host, IPAddress address) =>
        IsHostAllowlisted(host) || _allowedRanges.Any(r => r.Contains(address)) || IsPublic(address);

    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return IsPublic(address.MapToIPv4());
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && EmbeddedIPv4(address) is { } embedded)
        {
            return IsPublic(embedded);
        }

        return !BlockedRanges.Any(r => r.Contains(address));
    }

    /// <summary>IPv4 carried inside IPv6 (compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged as that IPv4.</summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (bytes.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0 && !(bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0))
        {
            return new IPAddress(bytes.AsSpan(12, 4));
        }

        ReadOnlySpan<byte> nat64 = [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
        if (bytes.AsSpan(0, 12).SequenceEqual(nat64))
        {
            return new IPAddress(bytes.AsSpan(12, 4));
        }

        if (bytes[0] == 0x20 && bytes[1] == 0x02)
        {
            return new IPAddress(bytes.AsSpan(2, 4));
        }

        return null;
    }
}

/// <summary>A CIDR range.</summary>
internal readonly record struct IpRange(IPAddress Network, int PrefixLength)
{
    public static IpRange Parse(string text) => TryParse(text, out var range) ? range : throw new FormatException($"'{text}' is not a CIDR range.");

    public static bool TryParse(string text, out IpRange range)
    {
        range = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address))
        {
            return false;
        }

        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), out prefix) || prefix < 0 || prefix > max))
        {
            return false;
        }

        range = new IpRange(address, prefix);
        return true;
    }

    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6 && Network.AddressFamily == AddressFamily.InterNetwork)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != Network.AddressFamily)
        {
            return false;
        }

        var a = address.GetAddressBytes();
        var n = Network.GetAddressBytes();
        var bits = PrefixLength;
        for (var i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : (byte)(0xFF << (8 - bits));
            if ((a[i] & mask) != (n[i] & mask))
            {
                return false;
            }
        }

        return true;
    }
}
