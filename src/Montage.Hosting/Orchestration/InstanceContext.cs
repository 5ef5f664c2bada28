using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Orchestration;

/// <summary>Everything a driver needs to start one replica of a resource.</summary>
internal sealed class InstanceContext(
    IResource resource, int replica, string instanceId, RunValueContext values, OrchestratorSettings settings, Action<LogSource, string> log)
{
    public IResource Resource { get; } = resource;

    public int Replica { get; } = replica;

    public string InstanceId { get; } = instanceId;

    public RunValueContext Values { get; } = values;

    public OrchestratorSettings Settings { get; } = settings;

    public Action<LogSource, string> Log { get; } = log;

    public int Port(string endpointName) => Values.Port(Resource, endpointName, Replica);

    public string BindAddress(EndpointAnnotation endpoint) => endpoint.IsExternal ? "0.0.0.0" : "127.0.0.1";
}

/// <summary>Run-wide settings the drivers share.</summary>
internal sealed record OrchestratorSettings(
    string DataDirectory,
    string BuildConfiguration,
    string RunId,
    Func<IReadOnlyDictionary<string, string>?> OtlpEnvironment,
    string EnvironmentName);
