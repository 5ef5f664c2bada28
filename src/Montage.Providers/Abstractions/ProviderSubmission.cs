namespace Montage.Providers.Abstractions;

/// <summary>What a successful submit returns.</summary>
/// <param name="Handle">Everything needed to follow the job later, also after a restart (see <see cref="ProviderJobHandle.Serialize"/>).</param>
/// <param name="QueuePosition">Position in the provider's queue when known.</param>
public sealed record ProviderSubmission(ProviderJobHandle Handle, int? QueuePosition)
{
    public string RequestId => Handle.RequestId;
}
