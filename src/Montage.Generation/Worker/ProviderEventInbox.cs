using Montage.Contracts.Jobs.V1;

namespace Montage.Generation.Worker;

/// <summary>
/// The provider request ids JobTracker has told this lease about (Watch and heartbeats), in arrival order and each
/// once. While a submit's outcome is unknown they are the candidates for the request the submit created.
/// </summary>
internal sealed class ProviderEventInbox
{
    private readonly Lock _gate = new();
    private readonly List<(string Provider, string RequestId)> _seen = [];

    public void Add(ProviderEventDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (delivery.RequestId.Length == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (!_seen.Contains((delivery.Provider, delivery.RequestId)))
            {
                _seen.Add((delivery.Provider, delivery.RequestId));
            }
        }
    }

    public IReadOnlyList<string> RequestIds(string provider)
    {
        lock (_gate)
        {
            return _seen.Where(s => s.Provider == provider).Select(s => s.RequestId).ToList();
        }
    }
}
