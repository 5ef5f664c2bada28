using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Orchestration;

internal sealed class ExecutableDriver : ResourceDriver
{
    public override bool HasHealthCheck(IResource resource) => resource.Annotations.OfType<HttpHealthCheckAnnotation>().Any();

    public override bool RestartsAfterExit(int exitCode) => exitCode != 0;

    public override Task<LaunchSpec> PrepareAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var executable = (ExecutableResource)context.Resource;
        var command = executable.Command.Contains('/', StringComparison.Ordinal)
            ? Prerequisites.Locate(Path.GetFullPath(Path.Combine(executable.WorkingDirectory, executable.Command)))
            : Prerequisites.Locate(executable.Command);
        if (command is null)
        {
            throw new ResourceStartException($"Command '{executable.Command}' not found.");
        }

        if (!Directory.Exists(executable.WorkingDirectory))
        {
            throw new ResourceStartException($"Working directory {executable.WorkingDirectory} does not exist.");
        }

        var spec = new LaunchSpec(command, ExtraArguments(context), executable.WorkingDirectory)
        {
            Environment = BaseEnvironment(context),
        };
        return Task.FromResult(WithInheritanceRules(spec));
    }

    public override Task<bool> CheckHealthAsync(InstanceContext context, CancellationToken cancellationToken) =>
        HttpHealthProbe.IsHealthyAsync(context, cancellationToken);
}
