namespace Montage.Hosting.ApplicationModel;

/// <summary>A .NET service of this repository, run as <c>dotnet path/to/Service.dll</c> from its build output.</summary>
public sealed class ProjectResource(string name, string projectPath) : Resource(name), IResourceWithServiceDiscovery, IProcessResource
{
    /// <summary>Absolute path of the .csproj.</summary>
    public string ProjectPath { get; } = projectPath;
}

/// <summary>Names a project for <c>AddProject&lt;T&gt;()</c>, like Aspire's generated <c>Projects.*</c> types.</summary>
public interface IProjectMetadata
{
    /// <summary>Path of the .csproj, absolute or relative to the AppHost project directory.</summary>
    string ProjectPath { get; }
}

/// <summary>Any program: a command, its working directory and arguments.</summary>
public sealed class ExecutableResource(string name, string command, string workingDirectory)
    : Resource(name), IResourceWithServiceDiscovery, IProcessResource
{
    public string Command { get; } = command;

    public string WorkingDirectory { get; } = workingDirectory;
}
