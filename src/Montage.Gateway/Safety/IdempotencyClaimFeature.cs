namespace Montage.Gateway.Safety;

/// <summary>
/// The Idempotency-Key claim of the current request, as its endpoint sees it (<c>HttpContext.Features</c>): an endpoint
/// whose downstream guard stops covering a repeat (see <see cref="IdempotencyFilter"/>) asks for the claim and its
/// answer to be durable before it does anything that cannot be repeated identically.
/// </summary>
internal sealed class IdempotencyClaimFeature(bool durable, Func<CancellationToken, Task> makeDurable)
{
    /// <summary>True when the claim is on disk and the answer will be written durably.</summary>
    public bool Durable { get; private set; } = durable;

    public async Task RequireDurableAsync(CancellationToken cancellationToken)
    {
        if (!Durable)
        {
            await makeDurable(cancellationToken).ConfigureAwait(false);
            Durable = true;
        }
    }
}
