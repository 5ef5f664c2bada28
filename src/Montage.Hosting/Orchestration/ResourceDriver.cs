using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Orchestration;

/// <summary>How one kind of resource is prepared, launched and health-checked.</summary>
internal abstract class ResourceDriver
{
    private static readonly string[] StrippedPrefixes =
        ["ConnectionStrings__", "services__", "Kestrel__", "OTEL_", "Providers__", "Montage__"];

    private static readonly HashSet<string> StrippedNames = new(StringComparer.Ordinal)
    {
        "FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET", "KIE_API_KEY", "Gateway__PublicUrl",
        "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_LAUNCH_PROFILE",
    };

    /// <summary>True when <see cref="CheckHealthAsync"/> means something; otherwise running counts as healthy.</summary>
    public virtual bool HasHealthCheck(IResource resource) => false;

    /// <summary>Whether a process that ended with this exit code is started again (services always; tools only after a failure).</summary>
    public virtual bool RestartsAfterExit(int exitCode) => true;

    /// <summary>Once per application start, before any port or environment is resolved.</summary>
    public virtual void Initialize(IResource resource, RunValueContext values, OrchestratorSettings settings)
    {
    }

    /// <summary>Called before a graceful stop, to let go of anything the AppHost itself holds open in the process.</summary>
    public virtual void BeforeStop(InstanceContext context)
    {
    }

    public abstract Task<LaunchSpec> PrepareAsync(InstanceContext context, CancellationToken cancellationToken);

    public virtual Task<bool> CheckHealthAsync(InstanceContext context, CancellationToken cancellationToken) => Task.FromResult(true);

    /// <summary>
    /// The environment every process gets: telemetry settings, endpoint ports, and the resource's own wiring.
    /// Wiring inherited from the AppHost's environment is removed first, so a service sees only what the model gives it
    /// (provider keys reach only the services declared with <c>WithProviderSettings()</c>).
    /// </summary>
    protected static Dictionary<string, string> BaseEnvironment(InstanceContext context)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OTEL_SERVICE_NAME"] = context.Resource.Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={context.InstanceId}-{context.Settings.RunId}",
        };
        // OTEL_EXPORTER_OTLP_ENDPOINT / _PROTOCOL (http/protobuf) / _HEADERS of the dashboard, when one runs.
        foreach (var (key, value) in context.Settings.OtlpEnvironment() ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        foreach (var endpoint in context.Resource.Annotations.OfType<EndpointAnnotation>())
        {
            if (endpoint.PortEnvironmentVariable is { } variable)
            {
                environment[variable] = context.Port(endpoint.Name).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        var callbackContext = new EnvironmentCallbackContext(context.Resource, context.Replica, context.Values, environment);
        foreach (var callback in context.Resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            callback.Callback(callbackContext);
        }

        return environment;
    }

    protected static IReadOnlyList<string> ExtraArguments(InstanceContext context) =>
        [.. context.Resource.Annotations.OfType<CommandLineArgsAnnotation>().SelectMany(a => a.Args(context.Values))];

    protected static bool IsStrippedFromInheritance(string name) =>
        StrippedNames.Contains(name) || StrippedPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    protected static LaunchSpec WithInheritanceRules(LaunchSpec spec) => spec with { RemoveInherited = [IsStrippedFromInheritance] };
}

/// <summary>A resource could not be prepared (initdb failed, build failed, command missing): no retry.</summary>
internal sealed class ResourceStartException(string message) : Exception(message);
