using Montage.Providers.Abstractions;

namespace Montage.Providers.Fal;

/// <summary>The fal URLs kept in a <see cref="ProviderJobHandle"/>; built from the model id when submit did not return them.</summary>
internal static class FalHandle
{
    public const string StatusUrl = "status_url";
    public const string ResponseUrl = "response_url";
    public const string CancelUrl = "cancel_url";

    public static ProviderJobHandle Create(string requestId, string modelEndpoint, Uri queueUrl, string? statusUrl, string? responseUrl, string? cancelUrl)
    {
        var requestBase = $"{Base(queueUrl)}/{App(modelEndpoint)}/requests/{Uri.EscapeDataString(requestId)}";
        return new ProviderJobHandle(ProviderNames.Fal, requestId, modelEndpoint)
            .WithProperty(StatusUrl, statusUrl ?? $"{requestBase}/status")
            .WithProperty(ResponseUrl, responseUrl ?? requestBase)
            .WithProperty(CancelUrl, cancelUrl ?? $"{requestBase}/cancel");
    }

    public static Uri Status(ProviderJobHandle handle)
    {
        var url = Property(handle, StatusUrl);
        return new Uri(url.Contains("logs=", StringComparison.Ordinal) ? url : url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "logs=1");
    }

    public static Uri Response(ProviderJobHandle handle) => new(Property(handle, ResponseUrl));

    public static Uri Cancel(ProviderJobHandle handle) => new(Property(handle, CancelUrl));

    public static string Base(Uri url) => url.ToString().TrimEnd('/');

    /// <summary>Status, result and cancel live under owner/name only, without the model's sub-path.</summary>
    public static string App(string modelEndpoint)
    {
        var parts = modelEndpoint.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 ? $"{parts[0]}/{parts[1]}" : modelEndpoint;
    }

    private static string Property(ProviderJobHandle handle, string name)
    {
        if (handle.Provider != ProviderNames.Fal)
        {
            throw new ArgumentException($"The handle belongs to provider '{handle.Provider}', not fal.", nameof(handle));
        }

        return handle.GetProperty(name) ?? throw new ArgumentException($"The fal handle has no {name}.", nameof(handle));
    }
}
