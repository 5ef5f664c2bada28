using System.Reflection;
using Microsoft.Extensions.Configuration;
using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting;

internal sealed class DistributedApplicationBuilder : IDistributedApplicationBuilder
{
    private readonly List<IResource> _resources = [];
    private readonly ConfigurationManager _configuration = new();

    public DistributedApplicationBuilder(DistributedApplicationOptions options)
    {
        Options = options;
        var arguments = AppHostArguments.Parse(options.Args);
        AppHostDirectory = Path.GetFullPath(options.AppHostDirectory ?? FindAppHostDirectory());

        _configuration.SetBasePath(AppHostDirectory);
        _configuration.AddJsonFile("appsettings.json", optional: true, reloadOnChange: false);
        _configuration.AddEnvironmentVariables();
        _configuration.AddCommandLine(arguments.Remaining);

        ExecutionContext = arguments.Publish
            ? new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish)
            {
                PublishFormat = arguments.PublishFormat,
                PublishOutputPath = arguments.PublishOutput is null ? null : Path.GetFullPath(arguments.PublishOutput),
            }
            : new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run);

        options.DisableDashboard |= arguments.NoDashboard || _configuration.GetValue("Montage:Dashboard:Enabled", true) == false;
        var dataDirectory = options.DataDirectory ?? arguments.DataDirectory ?? _configuration["Montage:DataDir"];
        DataDirectory = Path.GetFullPath(string.IsNullOrWhiteSpace(dataDirectory)
            ? Path.Combine(Directory.GetCurrentDirectory(), ".montage")
            : dataDirectory);
    }

    public IConfigurationManager Configuration => _configuration;

    public DistributedApplicationExecutionContext ExecutionContext { get; }

    public DistributedApplicationOptions Options { get; }

    public string AppHostDirectory { get; }

    public string DataDirectory { get; }

    public IReadOnlyList<IResource> Resources => _resources;

    public IResourceBuilder<T> AddResource<T>(T resource) where T : IResource
    {
        if (_resources.Any(r => r.Name == resource.Name))
        {
            // Names are unique across the model (as in Aspire): they key state, logs, environment and manifests.
            throw new InvalidOperationException(
                $"A resource named '{resource.Name}' already exists. Names are unique across the model; for a database that shares " +
                $"its name with a service use AddDatabase(\"{resource.Name}-db\", databaseName: \"{resource.Name}\") and " +
                $"WithReference(db, connectionName: \"{resource.Name}\").");
        }

        _resources.Add(resource);
        return CreateResourceBuilder(resource);
    }

    public IResourceBuilder<T> CreateResourceBuilder<T>(T resource) where T : IResource => new ResourceBuilder<T>(this, resource);

    public DistributedApplication Build()
    {
        ModelValidation.Validate(_resources);
        return new DistributedApplication(this, _configuration, [.. _resources]);
    }

    // The AppHost csproj stamps its own directory into the assembly (AppHostProjectDirectory), as Aspire's SDK does.
    private static string FindAppHostDirectory()
    {
        var stamped = Assembly.GetEntryAssembly()?
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AppHostProjectDirectory")?.Value;
        return stamped is not null && Directory.Exists(stamped) ? stamped : Directory.GetCurrentDirectory();
    }
}
