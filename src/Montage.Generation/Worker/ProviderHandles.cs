using Microsoft.Extensions.DependencyInjection;
using Montage.Contracts.Jobs.V1;
using Montage.Providers.Abstractions;
using Montage.Providers.Fal;

namespace Montage.Generation.Worker;

/// <summary>
/// Rebuilds a provider handle from a job's checkpoint (provider + request id), so a resumed job polls the request it
/// already paid for. fal's handle carries its status, result and cancel URLs, which follow from the queue URL.
/// </summary>
internal sealed class ProviderHandles(IServiceProvider services)
{
    // The property names FalProvider reads from a handle (its own submit answer stores the same three URLs).
    private const string StatusUrl = "status_url";
    private const string ResponseUrl = "response_url";
    private const string CancelUrl = "cancel_url";

    public ProviderJobHandle Rebuild(ProviderCheckpoint checkpoint, string modelEndpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var handle = new ProviderJobHandle(checkpoint.Provider, checkpoint.RequestId, modelEndpoint);
        if (checkpoint.Provider != ProviderNames.Fal)
        {
            return handle;
        }

        var queue = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FalOptions>>().Value.QueueUrl.ToString().TrimEnd('/');
        var parts = modelEndpoint.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var app = parts.Length >= 2 ? $"{parts[0]}/{parts[1]}" : modelEndpoint;
        var requestBase = $"{queue}/{app}/requests/{Uri.EscapeDataString(checkpoint.RequestId)}";
        return handle
            .WithProperty(StatusUrl, requestBase + "/status")
            .WithProperty(ResponseUrl, requestBase)
            .WithProperty(CancelUrl, requestBase + "/cancel");
    }
}
