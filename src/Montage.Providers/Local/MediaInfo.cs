namespace Montage.Providers.Local;

/// <summary>What ffprobe reports about a media file.</summary>
public sealed record MediaInfo(double DurationSeconds, string FormatName, VideoStreamInfo? Video, AudioStreamInfo? Audio, int StreamCount);

/// <summary>The first video stream.</summary>
public sealed record VideoStreamInfo(string Codec, int Width, int Height, string? PixelFormat, double FramesPerSecond, double? DurationSeconds, string? SampleAspectRatio);

/// <summary>The first audio stream.</summary>
public sealed record AudioStreamInfo(string Codec, int SampleRate, int Channels, double? DurationSeconds);
