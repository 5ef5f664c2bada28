using System.Text;
using Montage.Hosting.ApplicationModel;
using Montage.Hosting.Orchestration;

namespace Montage.Hosting.Publishing;

/// <summary>A two-stage Dockerfile per project: <c>dotnet publish</c> in the SDK image, run on the ASP.NET image.</summary>
internal static class DockerfileWriter
{
    public const string Directory = "dockerfiles";

    /// <summary>Writes <c>dockerfiles/&lt;name&gt;.Dockerfile</c>; returns its path relative to the output directory.</summary>
    public static string Write(string outputDirectory, string repositoryRoot, ProjectResource project)
    {
        var relativeProject = Path.GetRelativePath(repositoryRoot, project.ProjectPath).Replace('\\', '/');
        var assembly = ProjectDriver.AssemblyName(project.ProjectPath);
        var packages = project.Annotations.OfType<RequiredCommandAnnotation>()
            .Where(r => r.Command != "dotnet")
            .Select(r => r.DebianPackage)
            .Distinct()
            .ToList();
        var ports = string.Join(' ', project.Annotations.OfType<EndpointAnnotation>().Select(e => e.TargetPort));

        var text = new StringBuilder()
            .AppendLine($"# {project.Name}: build from the repository root, e.g. docker build -f <this file> <repository root>")
            .AppendLine("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build")
            .AppendLine("WORKDIR /src")
            .AppendLine("COPY . .")
            .AppendLine($"RUN dotnet publish \"{relativeProject}\" -c Release -o /app")
            .AppendLine()
            .AppendLine("FROM mcr.microsoft.com/dotnet/aspnet:10.0");
        if (packages.Count > 0)
        {
            text.AppendLine($"RUN apt-get update && apt-get install -y --no-install-recommends {string.Join(' ', packages)} && rm -rf /var/lib/apt/lists/*");
        }

        text.AppendLine("WORKDIR /app")
            .AppendLine("COPY --from=build /app .")
            .AppendLine($"EXPOSE {ports}")
            .AppendLine($"ENTRYPOINT [\"dotnet\", \"{assembly}.dll\"]");

        var relative = $"{Directory}/{project.Name}.Dockerfile";
        var path = Path.Combine(outputDirectory, relative);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.ToString());
        return relative;
    }
}
