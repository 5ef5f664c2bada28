namespace Montage.Gateway.Tests.Infrastructure;

/// <summary>Polls until a condition holds; generous, because the machine may be loaded.</summary>
public static class GatewayTestWait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for: {what}");
            }

            await Task.Delay(200);
        }
    }
}
