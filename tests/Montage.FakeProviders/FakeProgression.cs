namespace Montage.FakeProviders;

/// <summary>How fake jobs move from queued to running to completed.</summary>
public abstract record FakeProgression
{
    /// <summary>By the clock: queued for <paramref name="queue"/>, then running for <paramref name="run"/>.</summary>
    public static FakeProgression Timed(TimeSpan queue, TimeSpan run) => new TimedProgression(queue, run);

    /// <summary>One step per status poll: the first poll sees queued, the second running, the third completed.</summary>
    public static FakeProgression PerPoll { get; } = new PerPollProgression();

    /// <summary>Only the test moves jobs (<c>AdvanceAsync</c> / <c>CompleteAsync</c>).</summary>
    public static FakeProgression Manual { get; } = new ManualProgression();
}

public sealed record TimedProgression(TimeSpan Queue, TimeSpan Run) : FakeProgression;

public sealed record PerPollProgression : FakeProgression;

public sealed record ManualProgression : FakeProgression;
