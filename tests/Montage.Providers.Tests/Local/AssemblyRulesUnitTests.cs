using Montage.Providers.Local;

namespace Montage.Providers.Tests.Local;

/// <summary>The decisions of episode assembly that need no FFmpeg: when clips may be stream-copied and how loudness is levelled.</summary>
public sealed class AssemblyRulesUnitTests
{
    private static readonly ClipFormat Format = new(1920, 1080, 25);

    private static ClipStreamFacts Clip(string path = "/clips/a.mp4", ClipVideoFacts? video = null, ClipAudioFacts? audio = null, int audioStreams = 1) =>
        new(path, 1, audioStreams, video ?? Video(), audioStreams == 0 ? null : audio ?? Audio());

    private static ClipVideoFacts Video() => new("h264", 1920, 1080, "yuv420p", "1:1", "25/1", "25/1", 0, 5, "SHA256:v1");

    private static ClipAudioFacts Audio() => new("aac", 48000, 2, 0, 5.0, "SHA256:a1");

    [Fact]
    public void Clips_in_the_episode_format_with_shared_parameters_are_copied() =>
        Assert.Null(StreamCopyRule.WhyNot([Clip(), Clip("/clips/b.mp4"), Clip("/clips/c.mp4", audio: Audio() with { DurationSeconds = 5.021 })], Format));

    public static TheoryData<ClipStreamFacts, string> Mismatches() => new()
    {
        { Clip(video: Video() with { Width = 1280, Height = 720 }), "clip 2: 1280x720, not 1920x1080" },
        { Clip(video: Video() with { AverageFrameRate = "30/1", RealFrameRate = "30/1" }), "clip 2: frame rate 30/1 (30/1), not constant 25/1" },
        { Clip(video: Video() with { AverageFrameRate = "25/1", RealFrameRate = "50/1" }), "clip 2: frame rate 25/1 (50/1), not constant 25/1" },
        { Clip(video: Video() with { PixelFormat = "yuv444p" }), "clip 2: h264 yuv444p, not h264 yuv420p" },
        { Clip(video: Video() with { Codec = "hevc" }), "clip 2: hevc yuv420p, not h264 yuv420p" },
        { Clip(video: Video() with { SampleAspectRatio = "4:3" }), "clip 2: sample aspect ratio 4:3, not 1:1" },
        { Clip(video: Video() with { ParametersHash = "SHA256:v2" }), "clip 2: H.264 parameters differ from clip 1" },
        { Clip(audioStreams: 0), "clip 2: no audio (silence must be added)" },
        { Clip(audio: Audio() with { SampleRate = 44100 }), "clip 2: audio aac 44100 Hz 2 ch, not aac 48000 Hz stereo" },
        { Clip(audio: Audio() with { Channels = 1 }), "clip 2: audio aac 48000 Hz 1 ch, not aac 48000 Hz stereo" },
        { Clip(audio: Audio() with { DurationSeconds = 4.5 }), "clip 2: audio and video lengths differ" },
        { Clip(audio: Audio() with { StartSeconds = 0.5 }), "clip 2: audio does not start at zero" },
        { Clip(video: Video() with { StartSeconds = 1 }), "clip 2: video does not start at zero" },
        { Clip(audio: Audio() with { ParametersHash = "SHA256:a2" }), "clip 2: AAC parameters differ from clip 1" },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void One_clip_out_of_format_rules_out_the_copy_and_says_why(ClipStreamFacts second, string reason) =>
        Assert.Equal(reason, StreamCopyRule.WhyNot([Clip(), second, Clip()], Format));

    [Fact]
    public void The_concat_script_quotes_paths_and_fixes_each_clip_to_its_video_length()
    {
        var script = StreamCopyJoiner.ConcatList([Clip("/clips/it's here.mp4", Video() with { DurationSeconds = 4.96 })]);

        Assert.Equal("ffconcat version 1.0\nfile '/clips/it'\\''s here.mp4'\nduration 4.96\n", script);
    }

    private const string Summary = """
        [Parsed_ebur128_0 @ 0x5555] Summary:

          Integrated loudness:
            I:         -21.9 LUFS
            Threshold: -31.9 LUFS

          Loudness range:
            LRA:         0.5 LU
            Threshold: -41.9 LUFS
            LRA low:   -22.2 LUFS
            LRA high:  -21.7 LUFS

          True peak:
            Peak:      -19.9 dBFS
        """;

    [Fact]
    public void The_ebur128_summary_is_read()
    {
        Assert.Equal(new LoudnessMeasurement(-21.9, -31.9, 0.5, -19.9), LoudnessMeasurement.ParseSummary("[info] t=1.0 M:-20\n" + Summary));
        Assert.Throws<FfmpegException>(() => LoudnessMeasurement.ParseSummary("no summary here"));
    }

    [Fact]
    public void Silence_reads_as_minus_infinity_peak_and_needs_no_levelling()
    {
        var silence = LoudnessMeasurement.ParseSummary(Summary.Replace("-21.9 LUFS", "-70.0 LUFS", StringComparison.Ordinal).Replace("-19.9 dBFS", "-inf dBFS", StringComparison.Ordinal));

        Assert.Equal(double.NegativeInfinity, silence.TruePeakDbtp);
        Assert.True(LoudnessNormalizer.IsLevelled(silence, -16));
    }

    [Theory]
    [InlineData(-16.0, -3.0, true)]
    [InlineData(-16.4, -1.2, true)]
    [InlineData(-15.6, -2.0, true)]
    [InlineData(-16.6, -3.0, false)]
    [InlineData(-15.3, -3.0, false)]
    [InlineData(-16.0, -0.5, false)]
    public void A_programme_within_half_a_unit_and_under_the_ceiling_is_left_alone(double integrated, double peak, bool levelled) =>
        Assert.Equal(levelled, LoudnessNormalizer.IsLevelled(new LoudnessMeasurement(integrated, integrated - 10, 5, peak), -16));

    [Fact]
    public void A_quiet_programme_with_headroom_gets_a_plain_gain()
    {
        Assert.Equal("volume=5.9dB", LoudnessNormalizer.SecondPassFilter(new LoudnessMeasurement(-21.9, -31.9, 0.5, -19.9), -16));
        Assert.Equal("volume=-4dB", LoudnessNormalizer.SecondPassFilter(new LoudnessMeasurement(-12, -22, 3, -6), -16));
    }

    [Fact]
    public void A_programme_whose_peaks_would_clip_goes_through_loudnorm_with_the_measured_values()
    {
        var filter = LoudnessNormalizer.SecondPassFilter(new LoudnessMeasurement(-24, -34.5, 14, -2), -16);

        Assert.Equal(
            "loudnorm=I=-16:TP=-1.5:LRA=14:measured_I=-24:measured_TP=-2:measured_LRA=14:measured_thresh=-34.5:linear=true,aresample=48000",
            filter);
    }
}
