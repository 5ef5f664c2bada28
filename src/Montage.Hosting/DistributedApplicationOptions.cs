namespace Montage.Hosting;

public sealed class DistributedApplicationOptions
{
    public string[] Args { get; init; } = [];

    /// <summary>Overrides <c>--data-dir</c> / <c>Montage__DataDir</c>; default <c>.montage/</c> under the working directory.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Overrides the directory relative project paths resolve against (default: the AppHost project directory).</summary>
    public string? AppHostDirectory { get; set; }

    public bool DisableDashboard { get; set; }

    /// <summary>Ignore fixed ports and take free ones (tests run many apps side by side).</summary>
    public bool RandomizePorts { get; set; }

    /// <summary>Write the AppHost's own log lines to the console.</summary>
    public bool ConsoleLogging { get; set; } = true;

    /// <summary>Build configuration whose output <c>AddProject</c> runs (default: the AppHost's own).</summary>
    public string? BuildConfiguration { get; set; }

    /// <summary>Delete the data directory when the application is disposed (test isolation).</summary>
    public bool DeleteDataDirectoryOnDispose { get; set; }
}
