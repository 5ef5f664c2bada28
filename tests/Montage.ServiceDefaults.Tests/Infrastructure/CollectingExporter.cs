using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;

namespace Montage.ServiceDefaults.Tests.Infrastructure;

/// <summary>Keeps every span the SDK exports, after sampling and the service defaults' filters.</summary>
public sealed class CollectingExporter : BaseExporter<Activity>
{
    private readonly ConcurrentQueue<Activity> _spans = new();

    public IReadOnlyList<Activity> Spans => [.. _spans];

    public override ExportResult Export(in Batch<Activity> batch)
    {
        foreach (var activity in batch)
        {
            _spans.Enqueue(activity);
        }

        return ExportResult.Success;
    }
}
