using System.Text;

namespace Montage.Providers.Local;

/// <summary>Greedy word wrap; words longer than a line are split.</summary>
public static class TextWrapper
{
    public static IReadOnlyList<string> Wrap(string text, int maxCharsPerLine)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCharsPerLine, 1);
        var lines = new List<string>();
        foreach (var paragraph in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = new StringBuilder();
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var rest = word;
                while (rest.Length > 0)
                {
                    var room = line.Length == 0 ? maxCharsPerLine : maxCharsPerLine - line.Length - 1;
                    if (rest.Length <= room)
                    {
                        line.Append(line.Length == 0 ? "" : " ").Append(rest);
                        rest = "";
                    }
                    else if (line.Length > 0)
                    {
                        lines.Add(line.ToString());
                        line.Clear();
                    }
                    else
                    {
                        lines.Add(rest[..maxCharsPerLine]);
                        rest = rest[maxCharsPerLine..];
                    }
                }
            }

            if (line.Length > 0)
            {
                lines.Add(line.ToString());
            }
        }

        return lines;
    }
}
