using System.Text.RegularExpressions;

namespace Montage.Providers.Local;

/// <summary>The camera move of a Ken Burns shot.</summary>
public enum CameraMove
{
    ZoomIn,
    ZoomOut,
    PanLeft,
    PanRight,
    TiltUp,
    TiltDown,
    Static,
}

/// <summary>A camera move and its speed factor (1 is the default pace).</summary>
public readonly record struct MotionPlan(CameraMove Move, double Speed);

/// <summary>
/// Reads the camera move and speed from a motion prompt ("slow pan left", "fast push in", "tilt up").
/// The first move named wins; nothing recognised means a slow zoom in, the classic Ken Burns move.
/// </summary>
public static partial class MotionParser
{
    public static MotionPlan Parse(string? prompt)
    {
        var text = prompt ?? "";
        var move = CameraMove.ZoomIn;
        var best = int.MaxValue;
        foreach (var (pattern, candidate) in Moves)
        {
            var match = pattern.Match(text);
            if (match.Success && match.Index < best)
            {
                best = match.Index;
                move = candidate;
            }
        }

        var speed = 1.0;
        if (VeryFast().IsMatch(text))
        {
            speed = 2.2;
        }
        else if (VerySlow().IsMatch(text))
        {
            speed = 0.35;
        }
        else if (Fast().IsMatch(text))
        {
            speed = 1.6;
        }
        else if (Slow().IsMatch(text))
        {
            speed = 0.6;
        }

        return new MotionPlan(move, speed);
    }

    private static readonly (Regex Pattern, CameraMove Move)[] Moves =
    [
        (ZoomOutWords(), CameraMove.ZoomOut),
        (ZoomInWords(), CameraMove.ZoomIn),
        (PanLeftWords(), CameraMove.PanLeft),
        (PanRightWords(), CameraMove.PanRight),
        (TiltUpWords(), CameraMove.TiltUp),
        (TiltDownWords(), CameraMove.TiltDown),
        (StaticWords(), CameraMove.Static),
    ];

    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    [GeneratedRegex(@"\b(zoom(s|ing)?\s+out|pull(s|ing)?\s+(back|out)|dolly\s+out|widen(s|ing)?)\b", Options)]
    private static partial Regex ZoomOutWords();

    [GeneratedRegex(@"\b(zoom(s|ing)?(\s+in)?|push(es|ing)?\s+in|dolly\s+in|close(s)?\s+in)\b", Options)]
    private static partial Regex ZoomInWords();

    [GeneratedRegex(@"\b(pan(s|ning)?\s+(to\s+the\s+)?left|track(s|ing)?\s+left|left)\b", Options)]
    private static partial Regex PanLeftWords();

    [GeneratedRegex(@"\b(pan(s|ning)?\s+(to\s+the\s+)?right|track(s|ing)?\s+right|right)\b", Options)]
    private static partial Regex PanRightWords();

    [GeneratedRegex(@"\b(tilt(s|ing)?\s+up|crane\s+up|up(wards?)?)\b", Options)]
    private static partial Regex TiltUpWords();

    [GeneratedRegex(@"\b(tilt(s|ing)?\s+down|crane\s+down|down(wards?)?)\b", Options)]
    private static partial Regex TiltDownWords();

    [GeneratedRegex(@"\b(static|still|locked[\s-]off|no\s+motion|hold)\b", Options)]
    private static partial Regex StaticWords();

    [GeneratedRegex(@"\bvery\s+(fast|quick|rapid)\b", Options)]
    private static partial Regex VeryFast();

    [GeneratedRegex(@"\bvery\s+(slow|gentle|subtle)\b", Options)]
    private static partial Regex VerySlow();

    [GeneratedRegex(@"\b(fast|quick(ly)?|rapid(ly)?|dramatic|dynamic|swift)\b", Options)]
    private static partial Regex Fast();

    [GeneratedRegex(@"\b(slow(ly)?|gentle|gently|subtle|slight(ly)?|drifting)\b", Options)]
    private static partial Regex Slow();
}
