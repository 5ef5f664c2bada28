using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Montage.Providers.Abstractions;

public static class ProviderServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IProviderRegistry"/> over every <see cref="IGenerationProvider"/> singleton. Provider
    /// modules call this; an engine registers itself with <c>services.AddSingleton&lt;IGenerationProvider, X&gt;()</c>.
    /// </summary>
    public static IServiceCollection AddProviderRegistry(this IServiceCollection services)
    {
        services.TryAddSingleton<IProviderRegistry, ProviderRegistry>();
        return services;
    }
}
