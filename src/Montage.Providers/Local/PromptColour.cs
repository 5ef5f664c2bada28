using System.Security.Cryptography;
using System.Text;

namespace Montage.Providers.Local;

/// <summary>A stable colour for a prompt: the same prompt and seed always give the same card.</summary>
public readonly record struct PromptColour(byte Red, byte Green, byte Blue)
{
    public string Hex => $"0x{Red:X2}{Green:X2}{Blue:X2}";

    /// <summary>Relative luminance (0..1), used to pick a legible text colour.</summary>
    public double Luminance => ((0.2126 * Red) + (0.7152 * Green) + (0.0722 * Blue)) / 255.0;

    /// <summary>A hash-derived hue with moderate saturation and lightness, so text stays readable on it.</summary>
    public static PromptColour For(string prompt, long? seed = null)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(prompt + "\n" + seed));
        var hue = ((hash[0] << 8) | hash[1]) % 360;
        var saturation = 0.40 + (hash[2] / 255.0 * 0.25);
        var lightness = 0.30 + (hash[3] / 255.0 * 0.35);
        return FromHsl(hue, saturation, lightness);
    }

    private static PromptColour FromHsl(double hue, double saturation, double lightness)
    {
        var chroma = (1 - Math.Abs((2 * lightness) - 1)) * saturation;
        var x = chroma * (1 - Math.Abs((hue / 60 % 2) - 1));
        var m = lightness - (chroma / 2);
        var (r, g, b) = (int)(hue / 60) switch
        {
            0 => (chroma, x, 0.0),
            1 => (x, chroma, 0.0),
            2 => (0.0, chroma, x),
            3 => (0.0, x, chroma),
            4 => (x, 0.0, chroma),
            _ => (chroma, 0.0, x),
        };
        return new PromptColour(ToByte(r + m), ToByte(g + m), ToByte(b + m));
    }

    private static byte ToByte(double value) => (byte)Math.Clamp(Math.Round(value * 255), 0, 255);
}
