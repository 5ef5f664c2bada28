using System.Globalization;

namespace Montage.Providers.Local;

/// <summary>
/// Two-pass EBU R128 loudness normalisation. Pass 1 measures the whole programme (ebur128 with true peak: a decode of
/// the audio only, several times faster than loudnorm's own analysis). Pass 2 re-encodes the audio (the video is
/// copied): a plain gain when that reaches the target without pushing the true peak over the ceiling, otherwise
/// loudnorm fed with the measured values (linear where it can, dynamic where it must).
/// </summary>
public sealed class LoudnessNormalizer(FfmpegRunner runner)
{
    /// <summary>True-peak ceiling of the output (dBTP).</summary>
    public const double TruePeakCeiling = -1.5;

    /// <summary>How far from the target a programme may measure and still count as levelled (LU).</summary>
    public const double Tolerance = 0.5;

    /// <summary>Loudness range target handed to loudnorm; a programme already wider keeps its range, so loudnorm can stay linear.</summary>
    private const double RangeTarget = 11;

    /// <summary>loudnorm's largest range target; a wider programme is compressed to it.</summary>
    private const double MaxRangeTarget = 20;

    /// <summary>Below this a programme is silence (the absolute gate is -70 LUFS): nothing to level.</summary>
    private const double SilenceLufs = -60;

    /// <summary>Pass 1: integrated loudness, gate, range and true peak of the file's audio.</summary>
    public async Task<LoudnessMeasurement> MeasureAsync(string inputPath, CancellationToken cancellationToken)
    {
        var log = await runner.RunForLogAsync(["-i", inputPath, "-map", "0:a:0", "-af", "ebur128=peak=true", "-f", "null", "-"], cancellationToken)
            .ConfigureAwait(false);
        return LoudnessMeasurement.ParseSummary(log);
    }

    /// <summary>Whether a programme needs no second pass: within <see cref="Tolerance"/> of the target and under the ceiling, or silent.</summary>
    public static bool IsLevelled(LoudnessMeasurement measured, double targetLufs)
    {
        ArgumentNullException.ThrowIfNull(measured);
        return measured.IntegratedLufs < SilenceLufs
            || (Math.Abs(measured.IntegratedLufs - targetLufs) <= Tolerance && measured.TruePeakDbtp <= TruePeakCeiling + Tolerance);
    }

    /// <summary>
    /// The audio filter that levels a measured programme of <paramref name="seconds"/> as it is encoded, keeping it exactly
    /// that long (loudnorm resamples); null when it already meets the target.
    /// </summary>
    public static string? LevellingFilter(LoudnessMeasurement measured, double targetLufs, double seconds) =>
        IsLevelled(measured, targetLufs) ? null : $"{SecondPassFilter(measured, targetLufs)},{AudioLength.Exactly(seconds)}";

    /// <summary>The pass-2 audio filter for a measured programme.</summary>
    public static string SecondPassFilter(LoudnessMeasurement measured, double targetLufs)
    {
        ArgumentNullException.ThrowIfNull(measured);
        var gain = targetLufs - measured.IntegratedLufs;
        if (measured.TruePeakDbtp + gain <= TruePeakCeiling)
        {
            // A constant gain is exactly what loudnorm's linear mode would apply, without its 192 kHz resampling.
            return $"volume={FilterText.Number(Math.Round(gain, 2))}dB";
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"loudnorm=I={FilterText.Number(targetLufs)}:TP={FilterText.Number(TruePeakCeiling)}:LRA={FilterText.Number(Math.Clamp(measured.RangeLu, RangeTarget, MaxRangeTarget))}" +
            $":measured_I={Measured(measured.IntegratedLufs)}:measured_TP={Measured(measured.TruePeakDbtp)}" +
            $":measured_LRA={Measured(measured.RangeLu)}:measured_thresh={Measured(measured.ThresholdLufs)}:linear=true,aresample=48000");
    }

    /// <summary>
    /// Pass 2 into <paramref name="outputPath"/> (audio re-encoded, video copied). Returns false, writing nothing, when
    /// the programme is already levelled, so the caller keeps its file and, with it, a stream-copied audio track.
    /// </summary>
    public async Task<bool> NormalizeAsync(string inputPath, string outputPath, double targetLufs, LoudnessMeasurement measured, CancellationToken cancellationToken)
    {
        if (IsLevelled(measured, targetLufs))
        {
            return false;
        }

        // Kept to the pictures' length before the pass (FFmpeg decodes the last AAC frame's padding) and after it (loudnorm's resampler).
        var info = await new MediaProbe(runner).ProbeAsync(inputPath, cancellationToken).ConfigureAwait(false);
        var length = info.Video?.DurationSeconds ?? info.Audio?.DurationSeconds;
        var trim = length is { } seconds ? AudioLength.Exactly(seconds) : "anull";
        List<string> arguments =
        [
            "-i", inputPath, "-map", "0:v?", "-map", "0:a:0", "-c:v", "copy", "-af", $"{trim},{SecondPassFilter(measured, targetLufs)},{trim}",
            .. VideoEncoding.Audio(), .. VideoEncoding.Mp4(), outputPath,
        ];
        await runner.RunAsync(arguments, null, cancellationToken).ConfigureAwait(false);
        return true;
    }

    // loudnorm accepts measured values only within its ranges (-99..0 and such); silence measures -inf or -70.
    private static string Measured(double value) => FilterText.Number(Math.Clamp(double.IsFinite(value) ? value : -99, -99, 99));
}
