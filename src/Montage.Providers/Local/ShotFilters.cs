namespace Montage.Providers.Local;

/// <summary>
/// Filter chains shared by single-clip normalisation and whole-episode graphs, so a shot comes out the same whichever
/// path renders it.
/// </summary>
internal static class ShotFilters
{
    public const string StereoFloat = "aformat=sample_fmts=fltp:channel_layouts=stereo";

    /// <summary>
    /// Brings a video stream to the episode's size (letterboxed, not cropped), square pixels, frame rate and pixel format,
    /// and cuts it at exactly <paramref name="frames"/> frames.
    /// </summary>
    public static string Video(ClipFormat format, int frames)
    {
        ArgumentNullException.ThrowIfNull(format);
        var (w, h) = (format.Width, format.Height);
        return $"scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black," +
            $"setsar=1,fps={format.Fps},format=yuv420p,trim=end_frame={frames}";
    }

    /// <summary>The number of whole frames at <paramref name="fps"/> closest to <paramref name="seconds"/>, at least one.</summary>
    public static int Frames(double seconds, int fps) => Math.Max(1, (int)Math.Round(seconds * fps));

    /// <summary>Any audio stream as 48 kHz float stereo lasting exactly <paramref name="seconds"/> (padded with silence or cut).</summary>
    public static string Audio(double seconds) => $"aresample=48000,{StereoFloat},{AudioLength.Exactly(seconds)}";

    /// <summary>Silence in the episode's audio format, <paramref name="seconds"/> long: the sound of a shot that has none.</summary>
    public static string Silence(double seconds) => $"anullsrc=r=48000:cl=stereo,{StereoFloat},atrim=end={FilterText.Number(seconds)}";

    /// <summary>
    /// Mixes <paramref name="music"/> (48 kHz stereo, looping) under <paramref name="programme"/> at <paramref name="volume"/>
    /// into <paramref name="output"/>, ending with the programme; with <paramref name="duck"/> a sidechain compressor keyed by
    /// the programme lowers the music while the voices are loud.
    /// </summary>
    public static string MusicUnder(string programme, string music, double volume, bool duck, double seconds, string output)
    {
        var length = AudioLength.Exactly(seconds);
        var level = $"{music}aresample=48000,{StereoFloat},volume={FilterText.Number(volume)}[music]";
        var main = $"{programme}{length}[main]";
        return duck
            ? $"{level};{main};[main]asplit=2[voice][key];[music][key]sidechaincompress=threshold=0.02:ratio=8:attack=20:release=400[ducked];" +
              $"[voice][ducked]amix=inputs=2:duration=first:dropout_transition=0:normalize=0,{length}{output}"
            : $"{level};{main};[main][music]amix=inputs=2:duration=first:dropout_transition=0:normalize=0,{length}{output}";
    }
}
