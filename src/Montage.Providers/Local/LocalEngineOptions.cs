namespace Montage.Providers.Local;

/// <summary>Where the local engine finds its tools and how it encodes.</summary>
public sealed record LocalEngineOptions
{
    public const string SectionName = "Montage:LocalEngine";

    public string FfmpegPath { get; init; } = "ffmpeg";
    public string FfprobePath { get; init; } = "ffprobe";

    /// <summary>A TrueType font for drawtext (Debian package fonts-dejavu-core).</summary>
    public string FontFile { get; init; } = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    /// <summary>x264 preset: renders are previews, so speed matters more than size.</summary>
    public string X264Preset { get; init; } = "veryfast";

    public int X264Crf { get; init; } = 20;

    /// <summary>Encoder threads per render; 0 lets FFmpeg decide.</summary>
    public int Threads { get; init; }

    /// <summary>Where intermediate files go; null uses the system temp directory.</summary>
    public string? WorkDirectory { get; init; }
}
