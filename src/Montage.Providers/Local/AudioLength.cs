namespace Montage.Providers.Local;

/// <summary>
/// Audio filters that make a track exactly as long as it should be. FFmpeg 5 decodes the padded last AAC frame of an
/// MP4 whole (it ignores the end of the edit list), and amix or a resampler can end a few samples early or late; left
/// alone, every join or pass moves the sound up to 21 ms against the pictures.
/// </summary>
internal static class AudioLength
{
    /// <summary>Pads with silence or cuts, so the stream lasts exactly <paramref name="seconds"/>.</summary>
    public static string Exactly(double seconds)
    {
        var length = FilterText.Number(seconds);
        return $"apad=whole_dur={length},atrim=end={length}";
    }
}
