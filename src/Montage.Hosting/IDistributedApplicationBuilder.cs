using Microsoft.Extensions.Configuration;
using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting;

public interface IDistributedApplicationBuilder
{
    /// <summary>AppHost configuration: appsettings.json, environment variables, command line.</summary>
    IConfigurationManager Configuration { get; }

    DistributedApplicationExecutionContext ExecutionContext { get; }

    DistributedApplicationOptions Options { get; }

    /// <summary>Directory that relative project paths are resolved against (the AppHost project directory).</summary>
    string AppHostDirectory { get; }

    /// <summary>Where servers keep their data (<c>.montage/</c> by default).</summary>
    string DataDirectory { get; }

    IReadOnlyList<IResource> Resources { get; }

    IResourceBuilder<T> AddResource<T>(T resource) where T : IResource;

    IResourceBuilder<T> CreateResourceBuilder<T>(T resource) where T : IResource;

    DistributedApplication Build();
}

public enum DistributedApplicationOperation
{
    Run,
    Publish,
}

public sealed class DistributedApplicationExecutionContext(DistributedApplicationOperation operation)
{
    public DistributedApplicationOperation Operation { get; } = operation;

    public bool IsRunMode => Operation == DistributedApplicationOperation.Run;

    public bool IsPublishMode => Operation == DistributedApplicationOperation.Publish;

    /// <summary><c>compose</c> or <c>kubernetes</c> when publishing.</summary>
    public string? PublishFormat { get; init; }

    public string? PublishOutputPath { get; init; }
}
