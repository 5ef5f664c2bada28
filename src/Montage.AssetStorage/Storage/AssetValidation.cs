using Montage.Contracts.Assets.V1;

namespace Montage.AssetStorage.Storage;

/// <summary>Checks of caller-supplied descriptive fields. Names are stored as data only and never touch the file system.</summary>
internal static class AssetValidation
{
    public const int MaxNameLength = 255;
    public const int MaxTags = 32;
    public const int MaxTagLength = 64;

    public static string RequireOwner(string owner)
    {
        if (string.IsNullOrWhiteSpace(owner))
        {
            throw Errors.InvalidArgument("owner is required");
        }

        if (owner.Length > 200)
        {
            throw Errors.InvalidArgument("owner is longer than 200 characters");
        }

        return owner;
    }

    public static string CheckName(string name)
    {
        if (name.Length > MaxNameLength)
        {
            throw Errors.InvalidArgument($"name is longer than {MaxNameLength} characters");
        }

        if (name.Any(char.IsControl))
        {
            throw Errors.InvalidArgument("name contains control characters");
        }

        return name;
    }

    public static IReadOnlyList<string> CheckTags(IReadOnlyCollection<string> tags)
    {
        if (tags.Count > MaxTags)
        {
            throw Errors.InvalidArgument($"at most {MaxTags} tags are allowed");
        }

        foreach (var tag in tags)
        {
            if (string.IsNullOrWhiteSpace(tag) || tag.Length > MaxTagLength || tag.Any(char.IsControl))
            {
                throw Errors.InvalidArgument($"tag '{Errors.Truncate(tag)}' must be 1 to {MaxTagLength} printable characters");
            }
        }

        return tags.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Callers describe uploads and job outputs; "derived" and "import" sources are set by the store itself.</summary>
    public static AssetSource SourceOf(AssetSource? given, string defaultType)
    {
        var source = given?.Clone() ?? new AssetSource();
        source.DerivedFromAssetId = "";
        source.Derivative = DerivativeKind.Unspecified;
        source.Type = string.IsNullOrEmpty(source.JobId) ? defaultType : "job_output";
        if (source.Url.Length > 2048 || source.JobId.Length > 200 || source.Provider.Length > 64)
        {
            throw Errors.InvalidArgument("source fields are too long");
        }

        return source;
    }
}
