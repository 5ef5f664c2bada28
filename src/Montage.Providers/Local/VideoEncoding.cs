namespace Montage.Providers.Local;

/// <summary>The output encoding every local video uses: H.264 yuv420p, AAC 48 kHz stereo, moov atom first.</summary>
internal static class VideoEncoding
{
    public static IEnumerable<string> Video(LocalEngineOptions options, int fps) =>
    [
        "-c:v", "libx264", "-preset", options.X264Preset, "-crf", FilterText.Number(options.X264Crf),
        "-pix_fmt", "yuv420p", "-r", FilterText.Number(fps),
    ];

    public static IEnumerable<string> Audio() => ["-c:a", "aac", "-b:a", "160k", "-ar", "48000", "-ac", "2"];

    public static IEnumerable<string> Mp4() => ["-movflags", "+faststart", "-f", "mp4"];
}
