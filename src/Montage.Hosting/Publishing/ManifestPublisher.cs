using Microsoft.Extensions.Logging;
using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Publishing;

/// <summary><c>publish --format compose|kubernetes --output DIR</c>: the same model, written as deployment manifests.</summary>
internal static class ManifestPublisher
{
    public static string Publish(IDistributedApplicationBuilder builder, IReadOnlyList<IResource> resources, ILogger logger)
    {
        var target = builder.ExecutionContext.PublishFormat?.ToLowerInvariant() switch
        {
            "compose" or "docker-compose" => PublishTarget.Compose,
            "kubernetes" or "k8s" => PublishTarget.Kubernetes,
            null => throw new PublishException("publish needs --format compose|kubernetes."),
            var other => throw new PublishException($"Unknown publish format '{other}': use compose or kubernetes."),
        };
        var output = builder.ExecutionContext.PublishOutputPath ?? throw new PublishException("publish needs --output <directory>.");
        Directory.CreateDirectory(output);

        foreach (var executable in resources.OfType<ExecutableResource>())
        {
            HostingLog.NotPublished(logger, executable.Name, "executables have no container image");
        }

        var plan = PublishPlan.Create(target, resources, builder.Configuration, builder.AppHostDirectory);
        if (target == PublishTarget.Compose)
        {
            ComposePublisher.Publish(plan, output);
        }
        else
        {
            KubernetesPublisher.Publish(plan, output);
        }

        return output;
    }
}
