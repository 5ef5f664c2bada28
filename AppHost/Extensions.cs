namespace Montage.AppHost;

/// <summary>Wiring every Montage service shares, so Program.cs stays a readable list of resources.</summary>
public static class Extensions
{
    /// <summary>
    /// A Montage service: <c>http</c> (HTTP/1.1, health) and <c>grpc</c> (h2c) endpoints, healthy when <c>/health</c>
    /// answers, and the provider settings given to the AppHost (FAL_KEY, KIE_API_KEY, Providers__*, Gateway__PublicUrl).
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddMontageService(this IDistributedApplicationBuilder builder, string name, string projectPath) =>
        builder.AddProject(name, projectPath)
            .WithHttpHealthCheck("/health")
            .WithProviderSettings();
}
