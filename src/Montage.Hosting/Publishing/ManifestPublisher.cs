using Microsoft.Extensions.Logging;

namespace Montage.Hosting.Publishing;

internal static class ManifestPublisher
{
    public static string Publish(IDistributedApplicationBuilder builder, IReadOnlyList<IResource> resources, ILogger logger)
    {
        _ = resources;
        _ = logger;
        return builder.ExecutionContext.PublishOutputPath ?? throw new PublishException("publish needs --output <dir>.");
    }
}
