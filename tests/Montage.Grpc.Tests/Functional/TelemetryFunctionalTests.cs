using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Montage.Grpc.Testing.V1;
using Montage.Grpc.Tests.Infrastructure;

namespace Montage.Grpc.Tests.Functional;

/// <summary>The request Activity carries the RPC attributes, and every call is measured in rpc.server.duration.</summary>
public sealed class TelemetryFunctionalTests(GrpcServerFixture server) : IClassFixture<GrpcServerFixture>
{
    [Fact]
    public async Task Request_activity_is_named_after_the_method_and_tagged_with_the_status()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var request = GrpcWire.Request(
            "/montage.testing.v1.EchoService/Echo",
            GrpcWire.Body(new EchoRequest { FailCode = (int)StatusCode.NotFound, FailMessage = "missing" }));
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        var result = await GrpcWire.CallAsync(server.Client, request, EchoResponse.Parser);
        await WaitUntilAsync(() => !stopped.IsEmpty);

        Assert.Equal((int)StatusCode.NotFound, result.Status);
        var activity = Assert.Single(stopped);
        Assert.Equal("montage.testing.v1.EchoService/Echo", activity.DisplayName);
        Assert.Equal("grpc", activity.GetTagItem("rpc.system"));
        Assert.Equal("montage.testing.v1.EchoService", activity.GetTagItem("rpc.service"));
        Assert.Equal("Echo", activity.GetTagItem("rpc.method"));
        Assert.Equal((int)StatusCode.NotFound, activity.GetTagItem("rpc.grpc.status_code"));
    }

    [Fact]
    public async Task Calls_are_recorded_in_the_rpc_server_duration_histogram()
    {
        var measurements = new ConcurrentQueue<(double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GrpcDiagnostics.Name && instrument.Name == "rpc.server.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var map = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value;
            }

            measurements.Enqueue((value, map));
        });
        listener.Start();

        var result = await GrpcWire.CallAsync(
            server.Client,
            GrpcWire.Request("/montage.testing.v1.EchoService/ServerStream", GrpcWire.Body(new StreamRequest { Count = 2 })),
            EchoResponse.Parser);

        Assert.Equal(0, result.Status);
        await WaitUntilAsync(() => measurements.Any(m => Equals(m.Tags["rpc.method"], "ServerStream")));
        var measurement = measurements.First(m => Equals(m.Tags["rpc.method"], "ServerStream"));
        Assert.True(measurement.Value >= 0);
        Assert.Equal("grpc", measurement.Tags["rpc.system"]);
        Assert.Equal("montage.testing.v1.EchoService", measurement.Tags["rpc.service"]);
        Assert.Equal(0, measurement.Tags["rpc.grpc.status_code"]);
    }

    // The server records after the response is complete, so the client can see the answer a moment earlier.
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition(), "the telemetry did not arrive within a minute");
    }
}
