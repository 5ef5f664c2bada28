namespace Montage.Providers.Catalog;

/// <summary>Who runs a catalog model.</summary>
public static class ProviderNames
{
    public const string Fal = "fal";
    public const string Kie = "kie";
    public const string Local = "local";

    public static IReadOnlyList<string> All { get; } = [Fal, Kie, Local];
}
