namespace Montage.Providers.Local;

/// <summary>How far a render is: the media time written so far and, when the length is known, the fraction done (0..1).</summary>
public readonly record struct RenderProgress(TimeSpan Processed, double? Fraction);
