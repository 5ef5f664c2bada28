// Episode assembly: 24 clips x 5 s at 1080p25 (H.264 + AAC, one encoder's settings) assembled by the local engine on its
// stream-copy path and on its re-encode path, against two hand-written ffmpeg concat commands over the same clips in the
// same run (concat demuxer + -c copy, and concat demuxer + one libx264/AAC encode). Figures: wall time, speed as a
// multiple of real time, CPU seconds of the FFmpeg children, and what each output really holds (stream lengths, and
// the length of its decoded audio against its video, which exposes drift).
// Usage: dotnet bench/Montage.Assembly.Bench/bin/Release/net10.0/Montage.Assembly.Bench.dll [--clips 24] [--seconds 5] [--keep <dir>]
using System.Diagnostics;
using System.Globalization;
using Montage.Providers.Local;

var clipCount = Option("--clips", 24);
var clipSeconds = Option("--seconds", 5);
var keep = OptionText("--keep");
var work = keep ?? Path.Combine(Path.GetTempPath(), "montage-assembly-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(work);
var engine = new LocalEngine(new LocalEngineOptions { WorkDirectory = Path.Combine(work, "tmp") });
var format = new ClipFormat(1920, 1080, 25);
var total = clipCount * clipSeconds;
var invariant = CultureInfo.InvariantCulture;

try
{
    Console.WriteLine($"load average at start: {LoadAverage()}  ({Environment.ProcessorCount} cores, {FfmpegVersion()})");
    var clips = await MakeClipsAsync();
    var list = Path.Combine(work, "list.txt");
    await File.WriteAllLinesAsync(list, clips.Select(c => $"file '{c}'"));

    var results = new List<(string Name, double Seconds, double CpuSeconds, string Output)>();
    results.Add(await MeasureAsync("Montage, stream-copy path", "montage-copy.mp4", async output =>
    {
        var report = await engine.Episodes.RenderAsync(new EpisodeRequest(clips, format), output, null, CancellationToken.None);
        Check(report.VideoStreamCopied, "the copy path was not taken: " + report.StreamCopyRefusal);
        Console.WriteLine($"  copied video: {report.VideoStreamCopied}, loudness before: {report.Loudness?.IntegratedLufs} LUFS, audio levelled: {report.LoudnessChanged}");
    }));
    results.Add(await MeasureAsync("hand-written: concat demuxer, -c copy", "reference-copy.mp4", output =>
        engine.Runner.RunAsync(["-f", "concat", "-safe", "0", "-i", list, "-c", "copy", "-movflags", "+faststart", output], null, CancellationToken.None)));
    results.Add(await MeasureAsync("Montage, re-encode path", "montage-reencode.mp4", async output =>
    {
        var report = await engine.Episodes.RenderAsync(new EpisodeRequest(clips, format, AllowStreamCopy: false), output, null, CancellationToken.None);
        Check(!report.VideoStreamCopied, "the re-encode path copied");
    }));
    results.Add(await MeasureAsync("hand-written: concat demuxer, one x264 veryfast/AAC encode", "reference-reencode.mp4", output =>
        engine.Runner.RunAsync(
            ["-f", "concat", "-safe", "0", "-i", list, "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
             "-c:a", "aac", "-b:a", "160k", "-movflags", "+faststart", output],
            null,
            CancellationToken.None)));

    Console.WriteLine();
    Console.WriteLine($"{clipCount} clips x {clipSeconds} s = {total} s of 1920x1080 25 fps; load average at end: {LoadAverage()}");
    Console.WriteLine();
    Console.WriteLine("| run | wall s | x real time | FFmpeg CPU s | video s | audio s (container) | audio s (decoded) | integrated LUFS |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (var (name, seconds, cpu, output) in results)
    {
        var info = await engine.Probe.ProbeAsync(output, CancellationToken.None);
        var decoded = await DecodedAudioSecondsAsync(output);
        var loudness = await engine.Clips.MeasureLoudnessAsync(output, CancellationToken.None);
        Console.WriteLine(string.Create(
            invariant,
            $"| {name} | {seconds:F1} | {total / seconds:F1} | {cpu:F1} | {info.Video!.DurationSeconds:F3} | {info.Audio!.DurationSeconds:F3} | {decoded:F3} | {loudness:F1} |"));
    }
}
finally
{
    if (keep is null)
    {
        Directory.Delete(work, recursive: true);
    }
}

async Task<List<string>> MakeClipsAsync()
{
    var clips = new List<string>();
    var made = Stopwatch.StartNew();
    for (var i = 0; i < clipCount; i++)
    {
        var path = Path.Combine(work, $"clip{i:D2}.mp4");
        clips.Add(path);
        if (File.Exists(path))
        {
            continue;
        }

        // A moving test pattern and a tone per clip, encoded the way the local engine encodes its own renders.
        var tone = (220 + (i * 30)).ToString(invariant);
        await engine.Runner.RunAsync(
            ["-f", "lavfi", "-i", $"testsrc2=s=1920x1080:r=25:d={clipSeconds}", "-f", "lavfi", "-i", $"sine=frequency={tone}:duration={clipSeconds}:sample_rate=48000",
             "-af", "volume=0.2", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
             "-c:a", "aac", "-b:a", "160k", "-ac", "2", "-ar", "48000", "-movflags", "+faststart", path + ".part.mp4"],
            null,
            CancellationToken.None);
        File.Move(path + ".part.mp4", path);
    }

    Console.WriteLine($"clips ready in {made.Elapsed.TotalSeconds:F0} s");
    return clips;
}

async Task<(string, double, double, string)> MeasureAsync(string name, string fileName, Func<string, Task> run)
{
    var output = Path.Combine(work, fileName);
    // Page-cache the clips first, so no run pays for the first read from disk.
    foreach (var clip in Directory.GetFiles(work, "clip*.mp4"))
    {
        await File.ReadAllBytesAsync(clip);
    }

    var cpuBefore = ChildrenCpuSeconds();
    var clock = Stopwatch.StartNew();
    await run(output);
    clock.Stop();
    var cpu = ChildrenCpuSeconds() - cpuBefore;
    Console.WriteLine(string.Create(invariant, $"{name}: {clock.Elapsed.TotalSeconds:F1} s wall, {cpu:F1} s FFmpeg CPU, load {LoadAverage()}"));
    return (name, clock.Elapsed.TotalSeconds, cpu, output);
}

// The length of the audio a player actually hears: decoded to 8 kHz mono and counted.
async Task<double> DecodedAudioSecondsAsync(string path)
{
    var raw = Path.Combine(work, "decoded.raw");
    await engine.Runner.RunAsync(["-i", path, "-map", "0:a:0", "-ac", "1", "-ar", "8000", "-f", "s16le", raw], null, CancellationToken.None);
    var seconds = new FileInfo(raw).Length / 2.0 / 8000;
    File.Delete(raw);
    return seconds;
}

// utime + stime of waited-for children (FFmpeg), from /proc/self/stat fields 16 and 17, in clock ticks of 1/100 s.
static double ChildrenCpuSeconds()
{
    var stat = File.ReadAllText("/proc/self/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) / 100.0;
}

static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

static string FfmpegVersion()
{
    using var process = Process.Start(new ProcessStartInfo("ffmpeg", "-version") { RedirectStandardOutput = true })!;
    var first = process.StandardOutput.ReadLine() ?? "";
    process.WaitForExit();
    return string.Join(' ', first.Split(' ').Take(3));
}

static void Check(bool condition, string message)
{
    if (!condition)
    {
        throw new InvalidOperationException(message);
    }
}

int Option(string name, int fallback) => OptionText(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

string? OptionText(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
