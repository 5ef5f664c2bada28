using Microsoft.Net.Http.Headers;

namespace Montage.Gateway.Assets;

/// <summary>What a <c>Range</c> header asks of a representation of a known size (RFC 9110 §14).</summary>
internal readonly record struct ByteRange(ByteRangeOutcome Outcome, long Offset, long Length)
{
    public static readonly ByteRange Whole = new(ByteRangeOutcome.Whole, 0, 0);
    public static readonly ByteRange Unsatisfiable = new(ByteRangeOutcome.Unsatisfiable, 0, 0);

    /// <summary>
    /// One satisfiable byte range, the whole representation, or unsatisfiable. A header that does not parse, is not in
    /// bytes, or asks for several ranges is ignored (the whole content, 200), which RFC 9110 allows; serving one range
    /// keeps the response a plain stream rather than a multipart/byteranges document.
    /// </summary>
    public static ByteRange Evaluate(string? header, long size)
    {
        if (string.IsNullOrWhiteSpace(header) || !RangeHeaderValue.TryParse(header, out var parsed)
            || !parsed.Unit.Equals("bytes", StringComparison.OrdinalIgnoreCase) || parsed.Ranges.Count != 1)
        {
            return Whole;
        }

        var range = parsed.Ranges.First();
        if (range.From is { } from)
        {
            if (from >= size)
            {
                return Unsatisfiable;
            }

            var last = Math.Min(range.To ?? size - 1, size - 1);
            return last < from ? Whole : new ByteRange(ByteRangeOutcome.Partial, from, last - from + 1);
        }

        // A suffix range: the last N bytes; all of them when N exceeds the size.
        var suffix = range.To ?? 0;
        if (suffix <= 0)
        {
            return Unsatisfiable;
        }

        var length = Math.Min(suffix, size);
        return new ByteRange(ByteRangeOutcome.Partial, size - length, length);
    }

    /// <summary>The <c>Content-Range</c> value of a partial response.</summary>
    public string ContentRange(long size) => $"bytes {Offset}-{Offset + Length - 1}/{size}";
}

internal enum ByteRangeOutcome
{
    Whole,
    Partial,
    Unsatisfiable,
}
