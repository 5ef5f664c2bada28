// AssetStorage throughput: a 1 GiB file uploaded and downloaded through the gRPC API (real Postgres, the service as
// its own process, loopback h2c), against `cp` of the same file in the same run; the service's RSS is sampled
// throughout. Usage: dotnet run -c Release --project bench/Montage.AssetStorage.Bench [-- <size MiB> <chunk KiB>]
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Security.Cryptography;
using Montage.AssetStorage.Tests;
using Montage.Contracts.Assets.V1;
using Montage.Grpc.Client;
using Montage.Hosting;
using Montage.Hosting.Testing;

var sizeMiB = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1024;
var chunkKiB = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1024;
var work = Path.Combine(Path.GetTempPath(), "montage-assets-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(work);
var dataDir = Path.Combine(work, "data");
try
{
    var source = Path.Combine(work, "source.bin");
    Console.WriteLine($"Writing {sizeMiB} MiB of random bytes...");
    await WriteRandomFileAsync(source, sizeMiB);
    var bytes = (double)sizeMiB * 1024 * 1024;

    await using var app = await DistributedApplicationTestingBuilder.CreateAsync(builder =>
    {
        var assets = builder.AddPostgres("postgres").AddDatabase("assets");
        builder.AddProject("assetstorage", Path.Combine(RepositoryLayout.Root()!, "src/Montage.AssetStorage/Montage.AssetStorage.csproj"))
            .WithHttpHealthCheck("/health")
            .WithReference(assets).WaitFor(assets)
            .WithEnvironment("AssetStorage__DataDir", dataDir)
            .WithEnvironment("AssetStorage__SigningKey", "bench-signing-key-0123456789abcdef0123456789")
            .WithEnvironment("Logging__LogLevel__Default", "Warning");
    }, o => o.BuildConfiguration = "Release");
    await app.WaitForHealthyAsync("assetstorage", TimeSpan.FromMinutes(4));
    var pid = app.GetProcessIds("assetstorage")[0];
    using var channel = GrpcChannel.ForAddress(app.GetEndpoint("assetstorage", "grpc"));
    var client = new AssetStoreClient(channel);

    // Warm-up: connection and JIT. Methods are recompiled (tier 1, with profile-guided optimisation) only after 30
    // calls and in the background, so a few chunks are not enough: without rounds of 64 chunks and a pause, a loaded
    // machine was still compiling the transfer path during the measured 1 GiB, and that one-off cost (about a third
    // of both processes' CPU in a profile) was counted as CPU per GiB. The rounds take the same steps as the measured
    // transfers (fresh bytes, so no deduplication; the cache drop and the pause; a file read, a file written), so that
    // no code runs for the first time during the measurement.
    var warmSource = Path.Combine(work, "warm.bin");
    var warmTarget = Path.Combine(work, "warm-download.bin");
    for (var round = 0; round < 3; round++)
    {
        await File.WriteAllBytesAsync(warmSource, RandomNumberGenerator.GetBytes(64 * 1024 * 1024));
        DropCaches();
        await SettleAsync();
        Asset warm;
        await using (var file = new FileStream(warmSource, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan))
        {
            warm = await client.UploadAsync(AssetStoreClient.Metadata("bench", $"warm-{round}.bin"), file, chunkKiB * 1024);
        }

        DropCaches();
        await SettleAsync();
        await using (var file = new FileStream(warmTarget, FileMode.Create, FileAccess.Write, FileShare.None, 0))
        {
            await client.DownloadAsync(new DownloadRequest { AssetId = warm.Id, Owner = "bench" }, file);
            file.Flush(flushToDisk: true);
        }
    }

    File.Delete(warmSource);
    File.Delete(warmTarget);

    var cpTarget = Path.Combine(work, "cp.bin");
    DropCaches();
    var cp = Stopwatch.StartNew();
    Run("cp", source, cpTarget);
    Run("sync", cpTarget);
    cp.Stop();
    File.Delete(cpTarget);

    var rssBefore = Rss(pid);
    using var sampler = new RssSampler(pid);
    DropCaches();
    await SettleAsync();
    var uploadJit = JitInfo.GetCompilationTime();
    var uploadCpu = CpuCounter.Start(pid);
    var uploadStart = MonotonicSeconds();
    var upload = Stopwatch.StartNew();
    Asset asset;
    await using (var file = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan))
    {
        asset = await client.UploadAsync(AssetStoreClient.Metadata("bench", "big.bin"), file, chunkKiB * 1024);
    }

    upload.Stop();
    var uploadEnd = MonotonicSeconds();
    var (uploadServiceCpu, uploadClientCpu) = uploadCpu.Stop();
    uploadJit = JitInfo.GetCompilationTime() - uploadJit;
    var uploadPeak = sampler.Peak;

    var downloadTarget = Path.Combine(work, "download.bin");
    DropCaches();
    await SettleAsync();
    var downloadJit = JitInfo.GetCompilationTime();
    var downloadCpu = CpuCounter.Start(pid);
    var downloadStart = MonotonicSeconds();
    var download = Stopwatch.StartNew();
    await using (var file = new FileStream(downloadTarget, FileMode.Create, FileAccess.Write, FileShare.None, 0))
    {
        await client.DownloadAsync(new DownloadRequest { AssetId = asset.Id, Owner = "bench" }, file);
        file.Flush(flushToDisk: true);
    }

    download.Stop();
    var downloadEnd = MonotonicSeconds();
    var (downloadServiceCpu, downloadClientCpu) = downloadCpu.Stop();
    downloadJit = JitInfo.GetCompilationTime() - downloadJit;
    var peak = sampler.Peak;
    if (new FileInfo(downloadTarget).Length != asset.SizeBytes)
    {
        throw new InvalidOperationException("The download is incomplete.");
    }

    string Rate(Stopwatch s) => (bytes / 1e6 / s.Elapsed.TotalSeconds).ToString("F0", CultureInfo.InvariantCulture);
    string Ratio(Stopwatch s) => (cp.Elapsed.TotalSeconds / s.Elapsed.TotalSeconds).ToString("F2", CultureInfo.InvariantCulture);
    Console.WriteLine();
    Console.WriteLine($"file: {sizeMiB} MiB, chunks: {chunkKiB} KiB, sha256 {asset.Sha256[..16]}...");
    string Cpu(TimeSpan cpu) => (cpu.TotalSeconds / (bytes / (1024.0 * 1024 * 1024))).ToString("F2", CultureInfo.InvariantCulture);
    Console.WriteLine($"| operation | seconds | MB/s | vs cp | CPU s/GiB service | CPU s/GiB client |");
    Console.WriteLine($"| --- | --- | --- | --- | --- | --- |");
    Console.WriteLine($"| cp + sync (reference) | {cp.Elapsed.TotalSeconds:F2} | {Rate(cp)} | 1.00 | - | - |");
    Console.WriteLine($"| gRPC Upload (hash + fsync + probe + commit) | {upload.Elapsed.TotalSeconds:F2} | {Rate(upload)} | {Ratio(upload)} | {Cpu(uploadServiceCpu)} | {Cpu(uploadClientCpu)} |");
    Console.WriteLine($"| gRPC Download (to a file + fsync) | {download.Elapsed.TotalSeconds:F2} | {Rate(download)} | {Ratio(download)} | {Cpu(downloadServiceCpu)} | {Cpu(downloadClientCpu)} |");
    Console.WriteLine($"service RSS: before {rssBefore / 1048576.0:F1} MiB, peak during upload {uploadPeak / 1048576.0:F1} MiB, " +
        $"peak overall {peak / 1048576.0:F1} MiB, growth {(peak - rssBefore) / 1048576.0:F1} MiB");
    Console.WriteLine($"JIT compilation in this (client) process during the measured upload {uploadJit.TotalMilliseconds:F0} ms, download {downloadJit.TotalMilliseconds:F0} ms");
    Console.WriteLine($"service pid {pid}, client pid {Environment.ProcessId}; CLOCK_MONOTONIC windows (for `perf record -k CLOCK_MONOTONIC` " +
        $"then `perf script --time`): upload {uploadStart:F6},{uploadEnd:F6} download {downloadStart:F6},{downloadEnd:F6}");
}
finally
{
    Directory.Delete(work, recursive: true);
}

static async Task WriteRandomFileAsync(string path, int sizeMiB)
{
    var block = new byte[1024 * 1024];
    await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 0);
    for (var i = 0; i < sizeMiB; i++)
    {
        RandomNumberGenerator.Fill(block);
        await file.WriteAsync(block);
    }

    file.Flush(flushToDisk: true);
}

// A pause before each measured transfer. The runtime recompiles hot methods (tier 1) on a background thread, and it
// holds that work back while new methods are still being compiled for the first time; the steps just before a
// measurement (cp, sync, the cache drop, an upload's commit) are such new code, so without a pause the tier-1 backlog
// of the warm-up was compiled during the measured transfer: on a loaded machine up to a quarter of a process's CPU in a
// profile of the measured part, a one-off cost that a long-running service does not pay per gigabyte.
static Task SettleAsync() => Task.Delay(TimeSpan.FromSeconds(2));

// Stopwatch ticks are CLOCK_MONOTONIC on Linux: the same clock as `perf record -k CLOCK_MONOTONIC`, so a profile of the
// whole run can be cut down to the measured transfers.
static double MonotonicSeconds() => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

static void Run(string tool, params string[] arguments)
{
    using var process = Process.Start(tool, arguments);
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{tool} failed with {process.ExitCode}");
    }
}

// Same footing for every contender: the source is read from the page cache when cache dropping is not permitted.
static void DropCaches()
{
    try
    {
        Run("sync");
        File.WriteAllText("/proc/sys/vm/drop_caches", "1");
    }
    catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
    {
    }
}

static long Rss(int pid)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
    }

    return 0;
}

/// <summary>
/// CPU time of the service process and of this (client) process over one operation: unlike MB/s on a shared machine,
/// it measures the work the transfer costs.
/// </summary>
internal sealed class CpuCounter
{
    private readonly Process _service;
    private readonly TimeSpan _serviceStart;
    private readonly TimeSpan _clientStart;

    private CpuCounter(Process service)
    {
        _service = service;
        _serviceStart = service.TotalProcessorTime;
        _clientStart = Process.GetCurrentProcess().TotalProcessorTime;
    }

    public static CpuCounter Start(int pid) => new(Process.GetProcessById(pid));

    public (TimeSpan Service, TimeSpan Client) Stop()
    {
        _service.Refresh();
        var service = _service.TotalProcessorTime - _serviceStart;
        var client = Process.GetCurrentProcess().TotalProcessorTime - _clientStart;
        _service.Dispose();
        return (service, client);
    }
}

/// <summary>Samples the service's resident set every 20 ms and keeps the maximum.</summary>
internal sealed class RssSampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peak;

    public RssSampler(int pid)
    {
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), ReadRss(pid)));
                await Task.Delay(20);
            }
        });
    }

    public long Peak => Interlocked.Read(ref _peak);

    private static long ReadRss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait();
        _stop.Dispose();
    }
}
