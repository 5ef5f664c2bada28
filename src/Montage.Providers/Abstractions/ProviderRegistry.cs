using System.Diagnostics.CodeAnalysis;

namespace Montage.Providers.Abstractions;

/// <summary>Every <see cref="IGenerationProvider"/> registered in the container, by name.</summary>
public sealed class ProviderRegistry : IProviderRegistry
{
    private readonly Dictionary<string, IGenerationProvider> providers;

    public ProviderRegistry(IEnumerable<IGenerationProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        this.providers = new Dictionary<string, IGenerationProvider>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in providers)
        {
            if (!this.providers.TryAdd(provider.Name, provider))
            {
                throw new InvalidOperationException($"Two generation providers are registered as '{provider.Name}'.");
            }
        }
    }

    public IReadOnlyCollection<string> Names => providers.Keys;

    public IGenerationProvider Get(string name) =>
        TryGet(name, out var provider) ? provider : throw new KeyNotFoundException($"No generation provider named '{name}' is registered.");

    public bool TryGet(string name, [NotNullWhen(true)] out IGenerationProvider? provider) =>
        providers.TryGetValue(name, out provider);
}
