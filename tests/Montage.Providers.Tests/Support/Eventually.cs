namespace Montage.Providers.Tests.Support;

/// <summary>Polls until a condition holds, with a generous deadline (a loaded machine is slow, never wrong).</summary>
public static class Eventually
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not reached; last value: {value}");
            }

            await Task.Delay(50);
        }
    }

    public static Task UntilAsync(Func<bool> done, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(done()), d => d, timeout);
}
