using System.Text.RegularExpressions;

namespace Montage.Providers.Local;

/// <summary>Where a character stands in the frame.</summary>
public enum Placement
{
    Left,
    Centre,
    Right,
}

/// <summary>
/// Reads left / centre / right from a compositing prompt: the n-th placement word goes to the n-th character;
/// characters without one take the free default slots (one: centre; two: left, right; three: left, centre, right).
/// </summary>
public static partial class PlacementParser
{
    public static IReadOnlyList<Placement> Parse(string? prompt, int characters)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(characters);
        var said = PlacementWord().Matches(prompt ?? "")
            .Select(m => m.Value.ToUpperInvariant() switch
            {
                "LEFT" => Placement.Left,
                "RIGHT" => Placement.Right,
                _ => Placement.Centre,
            })
            .Take(characters)
            .ToList();

        var defaults = characters switch
        {
            1 => new[] { Placement.Centre },
            2 => [Placement.Left, Placement.Right],
            _ => [Placement.Left, Placement.Centre, Placement.Right],
        };
        var free = new Queue<Placement>(defaults.Where(d => !said.Contains(d)).Concat(defaults));
        while (said.Count < characters)
        {
            said.Add(free.Dequeue());
            if (free.Count == 0)
            {
                free = new Queue<Placement>(defaults);
            }
        }

        return said;
    }

    /// <summary>The horizontal centre of a placement as a fraction of the frame width.</summary>
    public static double CentreOf(Placement placement) => placement switch
    {
        Placement.Left => 0.25,
        Placement.Right => 0.75,
        _ => 0.5,
    };

    [GeneratedRegex(@"\b(left|right|centre|center|middle)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PlacementWord();
}
