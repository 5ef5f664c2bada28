namespace Montage.ServiceDefaults.Tests.Functional;

/// <summary>
/// ActivitySource listeners are process-wide: a tracer provider in one test also receives the spans of servers that
/// other tests run at the same time. Tests that assert which spans exist run alone, so that their assertions stay
/// exact (a leaked health-probe span would be found, not filtered away).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideTelemetryCollection
{
    public const string Name = "Process-wide telemetry";
}
