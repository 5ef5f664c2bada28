using System.Collections.Concurrent;
using System.Xml.Linq;
using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Orchestration;

/// <summary>
/// <c>dotnet &lt;Service&gt;.dll</c> from the project's build output (the AppHost's own configuration first), building the
/// project once if there is no output. Kestrel reads its endpoints from <c>Kestrel__Endpoints__&lt;name&gt;__Url</c>.
/// </summary>
internal sealed class ProjectDriver : ResourceDriver
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> BuildLocks = new(StringComparer.Ordinal);

    public override bool HasHealthCheck(IResource resource) => resource.Annotations.OfType<HttpHealthCheckAnnotation>().Any();

    public override async Task<LaunchSpec> PrepareAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var project = (ProjectResource)context.Resource;
        if (!File.Exists(project.ProjectPath))
        {
            throw new ResourceStartException($"Project file {project.ProjectPath} does not exist.");
        }

        var assembly = await LocateOrBuildAsync(project, context, cancellationToken).ConfigureAwait(false);
        var environment = BaseEnvironment(context);
        environment.TryAdd("ASPNETCORE_ENVIRONMENT", context.Settings.EnvironmentName);
        environment.TryAdd("DOTNET_ENVIRONMENT", context.Settings.EnvironmentName);
        foreach (var endpoint in project.Annotations.OfType<EndpointAnnotation>())
        {
            var prefix = $"Kestrel__Endpoints__{endpoint.Name}__";
            environment[prefix + "Url"] = $"http://{context.BindAddress(endpoint)}:{context.Port(endpoint.Name)}";
            environment[prefix + "Protocols"] = endpoint.Protocol == EndpointProtocol.Http2 ? "Http2" : "Http1";
        }

        var spec = new LaunchSpec(DotnetHost(), [assembly, .. ExtraArguments(context)], Path.GetDirectoryName(project.ProjectPath)!)
        {
            Environment = environment,
        };
        return WithInheritanceRules(spec);
    }

    public override Task<bool> CheckHealthAsync(InstanceContext context, CancellationToken cancellationToken) =>
        HttpHealthProbe.IsHealthyAsync(context, cancellationToken);

    public static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Prerequisites.Locate("dotnet") ?? "dotnet";
    }

    /// <summary>The built assembly of the project, preferring the given configuration.</summary>
    public static string? LocateAssembly(string projectPath, string configuration)
    {
        var directory = Path.GetDirectoryName(projectPath)!;
        var name = AssemblyName(projectPath);
        foreach (var candidate in new[] { configuration, "Release", "Debug" }.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var output = Path.Combine(directory, "bin", candidate);
            if (!Directory.Exists(output))
            {
                continue;
            }

            var found = Directory.GetDirectories(output)
                .Select(framework => Path.Combine(framework, name + ".dll"))
                .Where(File.Exists)
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .FirstOrDefault();
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

    public static string AssemblyName(string projectPath)
    {
        var declared = XDocument.Load(projectPath).Descendants("AssemblyName").Select(e => e.Value.Trim()).FirstOrDefault(v => v.Length > 0);
        return declared ?? Path.GetFileNameWithoutExtension(projectPath);
    }

    private static async Task<string> LocateOrBuildAsync(ProjectResource project, InstanceContext context, CancellationToken cancellationToken)
    {
        var gate = BuildLocks.GetOrAdd(project.ProjectPath, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (LocateAssembly(project.ProjectPath, context.Settings.BuildConfiguration) is { } built)
            {
                return built;
            }

            context.Log(LogSource.Host, $"No build output for {Path.GetFileName(project.ProjectPath)}; building it ({context.Settings.BuildConfiguration}).");
            var build = new LaunchSpec(DotnetHost(),
                ["build", project.ProjectPath, "-c", context.Settings.BuildConfiguration, "-nologo", "-clp:ErrorsOnly"],
                Path.GetDirectoryName(project.ProjectPath)!);
            var exitCode = await ProcessLauncher.RunAsync(build, context.Log, cancellationToken).ConfigureAwait(false);
            return exitCode == 0 && LocateAssembly(project.ProjectPath, context.Settings.BuildConfiguration) is { } output
                ? output
                : throw new ResourceStartException($"Building {Path.GetFileName(project.ProjectPath)} failed (exit code {exitCode}).");
        }
        finally
        {
            gate.Release();
        }
    }
}
