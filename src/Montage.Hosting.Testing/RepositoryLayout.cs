namespace Montage.Hosting.Testing;

/// <summary>Finds the repository (the directory holding Aspire.sln) from the test's output directory.</summary>
public static class RepositoryLayout
{
    public static string? Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Aspire.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    public static string? AppHostDirectory() => Root() is { } root ? Path.Combine(root, "AppHost") : null;
}
