using System.Text.RegularExpressions;

namespace Montage.Hosting.ApplicationModel;

internal static partial class ResourceNames
{
    // Names become environment variable segments, DNS names in compose/Kubernetes and directory names.
    [GeneratedRegex("^[a-z][a-z0-9-]{0,62}$")]
    private static partial Regex ValidName();

    public static string Validate(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!ValidName().IsMatch(name) || name.EndsWith('-'))
        {
            throw new ArgumentException(
                $"Resource name '{name}' is invalid: use lower-case letters, digits and '-', starting with a letter.", nameof(name));
        }

        return name;
    }

    /// <summary>The name as it appears in environment variable names (<c>a-b</c> stays <c>a-b</c>, like Aspire).</summary>
    public static string EnvironmentSegment(string name) => name;

    public static string UpperSnake(string name) => name.ToUpperInvariant().Replace('-', '_');
}
