namespace Montage.Gateway.Safety;

/// <summary>
/// The Idempotency-Key of the current request as its endpoint sees it (<c>HttpContext.Features</c>) on endpoints whose
/// effect the key also guards downstream (see <see cref="IdempotencyFilter"/>): the endpoint claims the key in the
/// gateway's own records only when the downstream guard cannot recognize a repeat, and tells when it did recognize one.
/// </summary>
internal sealed class IdempotencyClaimFeature(Func<CancellationToken, Task> claim)
{
    /// <summary>True once the key is claimed in the gateway's records: the answer is then stored like any other.</summary>
    public bool Claimed { get; private set; }

    /// <summary>Set by the endpoint when the downstream guard answered with what the key created before.</summary>
    public bool Replayed { get; set; }

    /// <summary>Claims the key durably before the endpoint does something a repeat could not do identically.</summary>
    public async Task ClaimAsync(CancellationToken cancellationToken)
    {
        if (!Claimed)
        {
            await claim(cancellationToken).ConfigureAwait(false);
            Claimed = true;
        }
    }
}
