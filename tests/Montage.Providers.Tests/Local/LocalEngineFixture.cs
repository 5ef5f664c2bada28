using Montage.Providers.Local;

namespace Montage.Providers.Tests.Local;

/// <summary>A temp work directory, the engine, and small source media generated once with FFmpeg for the whole collection.</summary>
public sealed class LocalEngineFixture : IAsyncLifetime
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "montage-local-tests-" + Guid.NewGuid().ToString("N"));
    public LocalEngine Engine { get; private set; } = null!;

    public string Landscape => File("landscape.png");
    public string Portrait => File("portrait.png");
    public string RedCharacter => File("red-character.png");
    public string BlueCharacter => File("blue-character.png");
    public string GreenCard => File("green.png");

    /// <summary>Black on the left and top, white on the right and bottom: the camera's direction shows in the mean brightness.</summary>
    public string Quadrants => File("quadrants.png");
    public string Voice => File("voice.wav");
    public string VoiceMp3 => File("voice.mp3");
    public string Music => File("music.wav");
    public string ClipWithAudio => File("clip-audio.mp4");
    public string ClipSilentSquare => File("clip-silent.mp4");
    public string QuietClip => File("clip-quiet.mp4");

    /// <summary>Three clips already in the 320x180 / 25 fps episode format with one encoder's settings (1.0 s tone, 1.2 s silence, 3.0 s quiet tone): a stream-copy case.</summary>
    public IReadOnlyList<string> MatchingClips => [File("match-1.mp4"), File("match-2.mp4"), File("match-3.mp4")];

    public string File(string name) => Path.Combine(Directory, name);

    /// <summary>A fresh path for one test's output.</summary>
    public string Output(string name) => Path.Combine(Directory, "out", Guid.NewGuid().ToString("N")[..8] + "-" + name);

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "out"));
        Engine = new LocalEngine(new LocalEngineOptions { WorkDirectory = Path.Combine(Directory, "work") });
        var run = Engine.Runner;
        var none = CancellationToken.None;
        await run.RunAsync(["-f", "lavfi", "-i", "testsrc2=s=640x360", "-frames:v", "1", Landscape], null, none);
        await run.RunAsync(["-f", "lavfi", "-i", "testsrc=s=400x600", "-frames:v", "1", Portrait], null, none);
        await run.RunAsync(["-f", "lavfi", "-i", "color=c=0x00C000:s=320x180", "-frames:v", "1", GreenCard], null, none);
        await run.RunAsync(
            ["-f", "lavfi", "-i", "color=c=black:s=640x360", "-vf", "drawbox=x=320:y=0:w=320:h=360:color=white:t=fill,drawbox=x=0:y=180:w=320:h=180:color=gray:t=fill",
             "-frames:v", "1", Quadrants],
            null,
            none);
        // Characters: a solid figure in the middle of a transparent canvas (geq writes the alpha; drawbox cannot).
        foreach (var (path, colour) in new[] { (RedCharacter, "red"), (BlueCharacter, "blue") })
        {
            await run.RunAsync(
                ["-f", "lavfi", "-i", $"color=c={colour}:s=100x200,format=rgba",
                 "-vf", "geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(between(X,25,74)*between(Y,10,199),255,0)'",
                 "-frames:v", "1", path],
                null,
                none);
        }

        // Voice: 1.5 s with speech-like bursts; music: a 1 s loop.
        await run.RunAsync(["-f", "lavfi", "-i", "sine=frequency=220:duration=1.5:sample_rate=44100", "-af", "volume='if(lt(mod(t,0.5),0.3),1,0)':eval=frame", Voice], null, none);
        await run.RunAsync(["-i", Voice, "-c:a", "libmp3lame", VoiceMp3], null, none);
        await run.RunAsync(["-f", "lavfi", "-i", "sine=frequency=660:duration=1:sample_rate=44100", Music], null, none);
        await run.RunAsync(
            ["-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=1", "-f", "lavfi", "-i", "sine=frequency=440:duration=1:sample_rate=44100",
             "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", ClipWithAudio],
            null,
            none);
        await run.RunAsync(["-f", "lavfi", "-i", "testsrc=s=200x200:r=30:d=1.2", "-c:v", "libx264", "-pix_fmt", "yuv420p", ClipSilentSquare], null, none);
        await run.RunAsync(
            ["-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=3", "-f", "lavfi", "-i", "sine=frequency=440:duration=3:sample_rate=48000",
             "-af", "volume=0.03", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", QuietClip],
            null,
            none);
        var format = new ClipFormat(320, 180, 25);
        await Engine.Clips.NormalizeAsync(ClipWithAudio, MatchingClips[0], format, none);
        await Engine.Clips.NormalizeAsync(ClipSilentSquare, MatchingClips[1], format, none);
        await Engine.Clips.NormalizeAsync(QuietClip, MatchingClips[2], format, none);
    }

    public Task DisposeAsync()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class LocalEngineCollection : ICollectionFixture<LocalEngineFixture>
{
    public const string Name = "Local FFmpeg engine";
}
