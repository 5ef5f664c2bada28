namespace Montage.Providers.Local;

/// <summary>FFmpeg or ffprobe ended with an error; <see cref="Diagnostics"/> is the tail of its stderr with paths and URLs redacted.</summary>
public sealed class FfmpegException : Exception
{
    public FfmpegException(string tool, int exitCode, string diagnostics)
        : base($"{tool} failed with exit code {exitCode}: {diagnostics}")
    {
        Tool = tool;
        ExitCode = exitCode;
        Diagnostics = diagnostics;
    }

    public FfmpegException(string message)
        : base(message)
    {
        Tool = "ffmpeg";
        Diagnostics = message;
    }

    public FfmpegException(string message, Exception innerException)
        : base(message, innerException)
    {
        Tool = "ffmpeg";
        Diagnostics = message;
    }

    public FfmpegException()
        : this("ffmpeg failed.")
    {
    }

    public string Tool { get; }
    public int ExitCode { get; }
    public string Diagnostics { get; }
}
