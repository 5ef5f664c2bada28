using Montage.Generation.Worker;

namespace Montage.Generation.Tests;

public sealed class WakeSignalUnitTests
{
    [Fact]
    public async Task A_pulse_before_the_wait_ends_the_next_wait_once()
    {
        var signal = new WakeSignal();
        signal.Pulse();
        signal.Pulse();

        await signal.WaitAsync(CancellationToken.None);

        var second = signal.WaitAsync(CancellationToken.None);
        Assert.False(second.IsCompleted);
        signal.Pulse();
        await second.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_wait_without_a_pulse_ends_only_when_canceled()
    {
        var signal = new WakeSignal();
        using var cancel = new CancellationTokenSource();
        var wait = signal.WaitAsync(cancel.Token);
        Assert.False(wait.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }
}
