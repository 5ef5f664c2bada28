namespace Montage.Providers.Local;

/// <summary>Settings of the local provider (config section <c>Montage:LocalProvider</c>).</summary>
public sealed record LocalProviderOptions
{
    public const string SectionName = "Montage:LocalProvider";

    /// <summary>Where job outputs and uploaded inputs are kept; null uses a folder under the system temp directory.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Renders running at once; the rest wait in a queue. FFmpeg already uses every core for one render.</summary>
    public int MaxConcurrentRenders { get; init; } = 1;

    /// <summary>How long a finished job and its files are kept for the worker to copy the outputs; then both are removed.</summary>
    public TimeSpan FinishedJobRetention { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Largest input fetched from an http(s) URL.</summary>
    public long MaxInputBytes { get; init; } = 512L * 1024 * 1024;
}
