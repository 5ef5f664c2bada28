namespace Montage.Providers.Abstractions;

/// <summary>A provider call failed after the provider's own retries; <see cref="Error"/> says why and whether to retry.</summary>
public sealed class ProviderException : Exception
{
    public ProviderException(ProviderError error, Exception? innerException = null)
        : base(error?.ToString(), innerException)
    {
        Error = error ?? throw new ArgumentNullException(nameof(error));
    }

    public ProviderException()
        : this(new ProviderError(ProviderErrorKind.Unknown, null, "Provider call failed."))
    {
    }

    public ProviderException(string message)
        : this(new ProviderError(ProviderErrorKind.Unknown, null, message))
    {
    }

    public ProviderException(string message, Exception innerException)
        : this(new ProviderError(ProviderErrorKind.Unknown, null, message), innerException)
    {
    }

    public ProviderError Error { get; }
}
