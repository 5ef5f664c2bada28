using Montage.Providers.Local;

namespace Montage.Providers.Tests.Local;

/// <summary>The FFmpeg command lines of episode assembly: how many inputs, passes and encodes an episode costs.</summary>
public sealed class EpisodeGraphUnitTests
{
    private static readonly ClipFormat Format = new(320, 180, 25);
    private static readonly LocalEngineOptions Options = new();

    private static SoundtrackPlan Plan(double? fade = null, string? music = null, bool measure = true) =>
        new([new("/c/a.mp4", true, 1.0), new("/c/silent.mp4", false, 1.2), new("/c/b.mp4", true, 3.0)], fade, music, 0.25, DuckMusic: true, measure);

    private static string Graph(List<string> arguments) => arguments[arguments.IndexOf("-filter_complex") + 1];

    [Fact]
    public void The_soundtrack_reads_only_the_audio_of_clips_that_have_some_and_generates_the_silence()
    {
        var arguments = EpisodeSoundtrack.Arguments(Plan(), "/w/programme.wav");

        Assert.Equal(["/c/a.mp4", "/c/b.mp4"], arguments.Where((_, i) => i > 0 && arguments[i - 1] == "-i"));
        Assert.Equal(2, arguments.Count(a => a == "-vn"));
        var graph = Graph(arguments);
        Assert.Contains("[0:a:0]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad=whole_dur=1,atrim=end=1[s0]", graph, StringComparison.Ordinal);
        Assert.Contains("anullsrc=r=48000:cl=stereo,aformat=sample_fmts=fltp:channel_layouts=stereo,atrim=end=1.2[s1]", graph, StringComparison.Ordinal);
        Assert.Contains("[1:a:0]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad=whole_dur=3,atrim=end=3[s2]", graph, StringComparison.Ordinal);
        Assert.Contains("[s0][s1][s2]concat=n=3:v=0:a=1[joined]", graph, StringComparison.Ordinal);
        Assert.Contains("[joined]apad=whole_dur=5.2,atrim=end=5.2[programme]", graph, StringComparison.Ordinal);
        // Measured in the same pass, written as lossless PCM: the episode's only AAC encode comes later.
        Assert.Contains("ebur128=peak=true", graph, StringComparison.Ordinal);
        Assert.Equal(["pcm_f32le"], arguments.Where((_, i) => i > 0 && arguments[i - 1] == "-c:a"));
        Assert.Equal("/w/programme.wav", arguments[^1]);
    }

    [Fact]
    public void Without_a_loudness_target_the_soundtrack_is_not_measured()
    {
        Assert.DoesNotContain("ebur128", Graph(EpisodeSoundtrack.Arguments(Plan(measure: false), "/w/p.wav")), StringComparison.Ordinal);
    }

    [Fact]
    public void Crossfades_and_music_join_the_soundtrack_in_the_same_pass()
    {
        var plan = Plan(fade: 0.4, music: "/c/music.wav");
        var arguments = EpisodeSoundtrack.Arguments(plan, "/w/p.wav");

        Assert.Equal(4.4, plan.Seconds, 9);
        Assert.Equal(["-stream_loop", "-1", "-i", "/c/music.wav"], arguments.Skip(arguments.IndexOf("-stream_loop")).Take(4));
        var graph = Graph(arguments);
        Assert.Contains("[s0][s1]acrossfade=d=0.4:c1=tri:c2=tri[x1];[x1][s2]acrossfade=d=0.4:c1=tri:c2=tri[joined]", graph, StringComparison.Ordinal);
        Assert.Contains("[2:a:0]aresample=48000", graph, StringComparison.Ordinal);
        Assert.Contains("sidechaincompress", graph, StringComparison.Ordinal);
        Assert.Contains("apad=whole_dur=4.4,atrim=end=4.4[programme]", graph, StringComparison.Ordinal);
    }

    [Fact]
    public void The_re_encode_path_decodes_each_clip_once_and_encodes_the_video_once()
    {
        List<EncodedShot> shots = [new("/c/a.mp4", 25), new("/c/b.mp4", 30), new("/c/c.mp4", 75)];

        var arguments = EpisodeEncoder.Arguments(shots, Format, null, "/w/p.wav", "anull", null, "/w/e.mp4", Options);

        Assert.Equal(["/c/a.mp4", "/c/b.mp4", "/c/c.mp4", "/w/p.wav"], arguments.Where((_, i) => i > 0 && arguments[i - 1] == "-i"));
        Assert.Equal(["libx264"], arguments.Where((_, i) => i > 0 && arguments[i - 1] == "-c:v"));
        Assert.Equal(["aac"], arguments.Where((_, i) => i > 0 && arguments[i - 1] == "-c:a"));
        var graph = Graph(arguments);
        Assert.Contains("[1:v:0]scale=320:180:force_original_aspect_ratio=decrease,pad=320:180:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps=25,format=yuv420p,trim=end_frame=30[v1]", graph, StringComparison.Ordinal);
        Assert.Contains("[v0][v1][v2]concat=n=3:v=1:a=0[joined]", graph, StringComparison.Ordinal);
        Assert.Contains("[3:a:0]anull[a]", graph, StringComparison.Ordinal);
    }

    [Fact]
    public void Crossfade_offsets_fall_on_frame_boundaries_and_subtitles_are_drawn_in_the_same_encode()
    {
        List<EncodedShot> shots = [new("/c/a.mp4", 25), new("/c/b.mp4", 30), new("/c/c.mp4", 75)];

        var graph = Graph(EpisodeEncoder.Arguments(shots, Format, 0.4, "/w/p.wav", "volume=3dB", "subtitles=filename=/s.srt", "/w/e.mp4", Options));

        Assert.Contains("[v0][v1]xfade=transition=fade:duration=0.4:offset=0.6,setpts=N/(25*TB)[x1]", graph, StringComparison.Ordinal);
        Assert.Contains("[x1][v2]xfade=transition=fade:duration=0.4:offset=1.4,setpts=N/(25*TB)[x2]", graph, StringComparison.Ordinal);
        Assert.Contains("[x2]subtitles=filename=/s.srt[v]", graph, StringComparison.Ordinal);
        Assert.Contains("[3:a:0]volume=3dB[a]", graph, StringComparison.Ordinal);
    }

    [Fact]
    public void The_levelling_filter_is_a_gain_kept_to_the_programme_length_or_nothing_when_already_levelled()
    {
        Assert.Equal("volume=5.9dB,apad=whole_dur=24,atrim=end=24", LoudnessNormalizer.LevellingFilter(new LoudnessMeasurement(-21.9, -31.9, 0.5, -19.9), -16, 24));
        Assert.Null(LoudnessNormalizer.LevellingFilter(new LoudnessMeasurement(-16.2, -26, 3, -4), -16, 24));
    }
}
