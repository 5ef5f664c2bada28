using System.Globalization;
using System.Text.RegularExpressions;

namespace Montage.Providers.Local;

/// <summary>An EBU R128 measurement of a whole programme: what the second loudness pass needs.</summary>
/// <param name="IntegratedLufs">Integrated loudness (I).</param>
/// <param name="ThresholdLufs">The relative gate of the integrated measurement.</param>
/// <param name="RangeLu">Loudness range (LRA).</param>
/// <param name="TruePeakDbtp">Highest true peak over all channels.</param>
public sealed partial record LoudnessMeasurement(double IntegratedLufs, double ThresholdLufs, double RangeLu, double TruePeakDbtp)
{
    /// <summary>Reads the summary the ebur128 filter (with peak=true) logs at the end of a run.</summary>
    public static LoudnessMeasurement ParseSummary(string log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var start = log.LastIndexOf("Summary:", StringComparison.Ordinal);
        var summary = start < 0 ? throw new FfmpegException("The loudness measurement printed no summary.") : log[start..];
        var integrated = Integrated().Match(summary);
        var range = Range().Match(summary);
        var peak = Peak().Match(summary);
        if (!integrated.Success || !range.Success || !peak.Success)
        {
            throw new FfmpegException("The loudness summary could not be read.");
        }

        return new LoudnessMeasurement(
            Number(integrated.Groups["i"].Value),
            Number(integrated.Groups["t"].Value),
            Number(range.Groups["lra"].Value),
            Number(peak.Groups["tp"].Value));
    }

    // ebur128 prints "-inf" for the peak of digital silence.
    private static double Number(string text) =>
        text == "-inf" ? double.NegativeInfinity : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Integrated loudness:\s+I:\s+(?<i>-?[\d.]+|-inf) LUFS\s+Threshold:\s+(?<t>-?[\d.]+|-inf) LUFS")]
    private static partial Regex Integrated();

    [GeneratedRegex(@"Loudness range:\s+LRA:\s+(?<lra>-?[\d.]+) LU")]
    private static partial Regex Range();

    [GeneratedRegex(@"True peak:\s+Peak:\s+(?<tp>-?[\d.]+|-inf) dBFS")]
    private static partial Regex Peak();
}
