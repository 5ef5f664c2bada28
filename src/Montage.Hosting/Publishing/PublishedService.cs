using System.Globalization;
using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Publishing;

/// <summary>A project resource as a container: its environment (resolved for the target), ports, replicas, waits.</summary>
internal sealed record PublishedService(
    ProjectResource Project,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<EndpointAnnotation> Endpoints,
    int Replicas,
    IReadOnlyList<string> WaitsFor)
{
    public string Name => Project.Name;

    public string Image => $"montage/{Project.Name}:latest";

    public bool IsExternal => Endpoints.Any(e => e.IsExternal);

    public static PublishedService From(ProjectResource project, PublishValueContext values)
    {
        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["OTEL_SERVICE_NAME"] = project.Name,
        };
        var endpoints = project.Annotations.OfType<EndpointAnnotation>().ToList();
        foreach (var endpoint in endpoints)
        {
            // Inside a container every interface is the container's own; the Service / compose network decides exposure.
            var prefix = $"Kestrel__Endpoints__{endpoint.Name}__";
            environment[prefix + "Url"] = "http://0.0.0.0:" + endpoint.TargetPort.ToString(CultureInfo.InvariantCulture);
            environment[prefix + "Protocols"] = endpoint.Protocol == EndpointProtocol.Http2 ? "Http2" : "Http1";
        }

        var context = new EnvironmentCallbackContext(project, 0, values, environment);
        foreach (var callback in project.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            callback.Callback(context);
        }

        var waits = project.Annotations.OfType<WaitAnnotation>()
            .Select(w => w.Resource is IResourceWithParent child ? child.Parent.Name : w.Resource.Name)
            .Distinct()
            .ToList();
        var replicas = project.Annotations.OfType<ReplicaAnnotation>().LastOrDefault()?.Replicas ?? 1;
        return new PublishedService(project, environment, endpoints, replicas, waits);
    }

    /// <summary>Variables that carry secrets: connection strings (passwords) and the provider settings.</summary>
    public static bool IsSecret(string name, string value) =>
        name.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || value == $"${{{name}}}";
}
