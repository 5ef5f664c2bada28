using System.Diagnostics.CodeAnalysis;

namespace Montage.Providers.Abstractions;

/// <summary>Resolves a provider by its name (<see cref="ProviderNames"/>), e.g. from a catalog entry or a persisted handle.</summary>
public interface IProviderRegistry
{
    IReadOnlyCollection<string> Names { get; }

    /// <exception cref="KeyNotFoundException">No provider with that name is registered.</exception>
    IGenerationProvider Get(string name);

    bool TryGet(string name, [NotNullWhen(true)] out IGenerationProvider? provider);
}
