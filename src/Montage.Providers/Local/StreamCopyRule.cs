using System.Globalization;

namespace Montage.Providers.Local;

/// <summary>
/// Decides whether clips can be joined without re-encoding their video: every clip already is the episode's format
/// (H.264 yuv420p, the target size with square pixels, the target constant frame rate, AAC 48 kHz stereo audio as long
/// as the video), starts at zero, and all clips share their codec parameters (the concat demuxer keeps the first
/// clip's SPS/PPS, so a clip encoded with other settings would decode wrongly).
/// </summary>
public static class StreamCopyRule
{
    // One AAC frame (1024 samples at 48 kHz) plus rounding: an encoder pads the last frame, so audio may run that much longer.
    private const double AudioSlackSeconds = 0.025;

    /// <summary>Null when the clips can be joined by stream copy; otherwise why not, naming the first clip (1-based) that differs.</summary>
    public static string? WhyNot(IReadOnlyList<ClipStreamFacts> clips, ClipFormat format)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(format);
        if (clips.Count == 0)
        {
            return "no clips";
        }

        for (var i = 0; i < clips.Count; i++)
        {
            if (WhyNot(clips[i], format) is { } reason)
            {
                return $"clip {i + 1}: {reason}";
            }

            if (clips[i].Video!.ParametersHash != clips[0].Video!.ParametersHash)
            {
                return $"clip {i + 1}: H.264 parameters differ from clip 1";
            }

            if (clips[i].Audio!.ParametersHash != clips[0].Audio!.ParametersHash)
            {
                return $"clip {i + 1}: AAC parameters differ from clip 1";
            }
        }

        return null;
    }

    private static string? WhyNot(ClipStreamFacts clip, ClipFormat format)
    {
        if (clip.Video is not { } video || clip.VideoStreams != 1)
        {
            return $"{clip.VideoStreams} video streams, not 1";
        }

        if (clip.Audio is not { } audio || clip.AudioStreams != 1)
        {
            return clip.AudioStreams == 0 ? "no audio (silence must be added)" : $"{clip.AudioStreams} audio streams, not 1";
        }

        var rate = FormattableString.Invariant($"{format.Fps}/1");
        var frame = 1.0 / format.Fps;
        return (video, audio) switch
        {
            _ when video.Codec != "h264" || video.PixelFormat != "yuv420p" => $"{video.Codec} {video.PixelFormat}, not h264 yuv420p",
            _ when video.Width != format.Width || video.Height != format.Height =>
                string.Create(CultureInfo.InvariantCulture, $"{video.Width}x{video.Height}, not {format.Width}x{format.Height}"),
            _ when video.SampleAspectRatio is not (null or "1:1" or "0:1") => $"sample aspect ratio {video.SampleAspectRatio}, not 1:1",
            _ when video.AverageFrameRate != rate || video.RealFrameRate != rate => $"frame rate {video.AverageFrameRate} ({video.RealFrameRate}), not constant {rate}",
            _ when !(Math.Abs(video.StartSeconds) < frame / 2) => "video does not start at zero",
            _ when !(video.DurationSeconds >= frame) => "no video duration",
            _ when audio.Codec != "aac" || audio.SampleRate != 48000 || audio.Channels != 2 =>
                string.Create(CultureInfo.InvariantCulture, $"audio {audio.Codec} {audio.SampleRate} Hz {audio.Channels} ch, not aac 48000 Hz stereo"),
            _ when !(Math.Abs(audio.StartSeconds) < frame / 2) => "audio does not start at zero",
            _ when !(Math.Abs(audio.DurationSeconds - video.DurationSeconds) <= AudioSlackSeconds) => "audio and video lengths differ",
            _ => null,
        };
    }
}
