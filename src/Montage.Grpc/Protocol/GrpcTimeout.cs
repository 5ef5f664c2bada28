using System.Globalization;

namespace Montage.Grpc.Protocol;

/// <summary>
/// The <c>grpc-timeout</c> header: at most 8 ASCII digits followed by a unit
/// (H hours, M minutes, S seconds, m milliseconds, u microseconds, n nanoseconds).
/// </summary>
public static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    // Units from finest to coarsest, in 100-nanosecond ticks (nanoseconds are handled separately).
    private static readonly (char Unit, long Ticks)[] Units =
    [
        ('u', 10),
        ('m', TimeSpan.TicksPerMillisecond),
        ('S', TimeSpan.TicksPerSecond),
        ('M', TimeSpan.TicksPerMinute),
        ('H', TimeSpan.TicksPerHour),
    ];

    /// <summary>Parses a header value; false when it is malformed (the caller treats that as no deadline or an error).</summary>
    public static bool TryParse(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (string.IsNullOrEmpty(value) || value.Length < 2 || value.Length > 9)
        {
            return false;
        }

        var digits = value.AsSpan(0, value.Length - 1);
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        var amount = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        var unit = value[^1];
        if (unit == 'n')
        {
            timeout = TimeSpan.FromTicks(amount / 100);
            return true;
        }

        foreach (var (u, ticks) in Units)
        {
            if (u == unit)
            {
                // At most 99,999,999 hours: clamp instead of overflowing TimeSpan.
                timeout = amount > TimeSpan.MaxValue.Ticks / ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks(amount * ticks);
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Formats a timeout with the finest unit whose value fits in 8 digits, rounding up so that the
    /// receiver's deadline is never earlier than the sender's.
    /// </summary>
    public static string Format(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return "1n";
        }

        var ticks = timeout.Ticks;
        if (ticks <= MaxValue / 100)
        {
            return (ticks * 100).ToString(CultureInfo.InvariantCulture) + "n";
        }

        foreach (var (unit, unitTicks) in Units)
        {
            // Divide then round up: adding unitTicks - 1 first would overflow near TimeSpan.MaxValue.
            var amount = (ticks / unitTicks) + (ticks % unitTicks == 0 ? 0 : 1);
            if (amount <= MaxValue)
            {
                return amount.ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return MaxValue.ToString(CultureInfo.InvariantCulture) + "H";
    }
}
