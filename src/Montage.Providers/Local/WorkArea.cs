namespace Montage.Providers.Local;

/// <summary>A private directory for one render's intermediate files, removed when the render ends.</summary>
internal sealed class WorkArea : IDisposable
{
    public WorkArea(LocalEngineOptions options)
    {
        var root = options.WorkDirectory ?? System.IO.Path.GetTempPath();
        Directory.CreateDirectory(root);
        Path = System.IO.Path.Combine(root, "montage-local-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail a finished render.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
