using System.Diagnostics;
using Montage.Grpc.Client;
using Montage.Grpc.Testing.V1;

namespace Montage.Grpc.Bench;

/// <summary>
/// The .NET side of the load: <c>concurrency</c> workers on one channel, each starting its next call when the
/// previous one ends (the same closed loop as tests/interop/bench-client.js).
/// </summary>
internal static class MontageLoadGenerator
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = EchoReflection.Descriptor.Services[0];
    private static readonly Method<EchoRequest, EchoResponse> Echo = Method<EchoRequest, EchoResponse>.FromDescriptor(Service.FindMethodByName("Echo"));
    private static readonly Method<StreamRequest, EchoResponse> ServerStream = Method<StreamRequest, EchoResponse>.FromDescriptor(Service.FindMethodByName("ServerStream"));

    /// <summary>Warms up, then measures; <paramref name="onMeasuring"/> runs between the two.</summary>
    public static async Task<LoadResult> RunAsync(Uri address, BenchSettings settings, bool streaming, Action? onMeasuring = null)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var invoker = channel.CreateCallInvoker();
        var request = new EchoRequest { Message = "benchmark message" };
        var streamRequest = new StreamRequest { Message = "benchmark message", Count = settings.StreamCount };
        Func<Task<int>> call = streaming
            ? async () =>
            {
                using var stream = invoker.AsyncServerStreamingCall(ServerStream, null, default, streamRequest);
                var received = 0;
                while (await stream.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
                {
                    received++;
                }

                return received;
            }
            : async () =>
            {
                await invoker.AsyncUnaryCall(Echo, null, default, request).ResponseAsync.ConfigureAwait(false);
                return 1;
            };

        await MeasureAsync(call, settings.Concurrency, settings.Warmup, settings.MaxCalls, record: false, onStart: null).ConfigureAwait(false);
        return await MeasureAsync(call, settings.Concurrency, settings.Duration, settings.MaxCalls, record: true, onMeasuring).ConfigureAwait(false);
    }

    private static async Task<LoadResult> MeasureAsync(Func<Task<int>> call, int concurrency, TimeSpan duration, long maxCalls, bool record, Action? onStart)
    {
        var calls = 0L;
        var messages = 0L;

        // Allocated before the measured part starts, so that allocation counts are the calls' own.
        var latencies = Enumerable.Range(0, concurrency).Select(_ => new List<double>(record ? (int)Math.Min((2 * maxCalls / concurrency) + 1024, 1 << 20) : 0)).ToArray();
        onStart?.Invoke();
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker];
            while (Stopwatch.GetTimestamp() < end && Interlocked.Read(ref calls) < maxCalls)
            {
                var callStarted = Stopwatch.GetTimestamp();
                var received = await call().ConfigureAwait(false);
                Interlocked.Add(ref messages, received);
                Interlocked.Increment(ref calls);
                if (record)
                {
                    mine.Add(Stopwatch.GetElapsedTime(callStarted).TotalMilliseconds);
                }
            }
        }));
        await Task.WhenAll(workers).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var sorted = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(calls, messages, seconds, LoadResult.Percentile(sorted, 50), LoadResult.Percentile(sorted, 99));
    }
}
