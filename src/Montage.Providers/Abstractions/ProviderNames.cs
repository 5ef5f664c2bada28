namespace Montage.Providers.Abstractions;

/// <summary>The provider names used in configuration, the catalog and persisted handles.</summary>
public static class ProviderNames
{
    public const string Fal = "fal";
    public const string Kie = "kie";
    public const string Local = "local";
}
