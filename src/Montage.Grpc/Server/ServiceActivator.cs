using System.Linq.Expressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Montage.Grpc.Server;

/// <summary>
/// Gets the service instance for a call: from DI when the class is registered (its lifetime applies), else a new
/// instance per call, made by a compiled constructor and disposed after the call.
/// </summary>
internal sealed class ServiceActivator<TService>
    where TService : class
{
    private readonly bool _registered;
    private readonly Func<TService>? _construct;
    private readonly ObjectFactory<TService>? _factory;

    public ServiceActivator(IServiceProvider services)
    {
        _registered = services.GetService<IServiceProviderIsService>()?.IsService(typeof(TService)) ?? false;
        if (_registered)
        {
            return;
        }

        // A parameterless constructor needs no request scope: creating one per call would cost an allocation for nothing.
        if (typeof(TService).GetConstructor(Type.EmptyTypes) is { } constructor && typeof(TService).GetConstructors().Length == 1)
        {
            _construct = Expression.Lambda<Func<TService>>(Expression.New(constructor)).Compile();
        }
        else
        {
            _factory = ActivatorUtilities.CreateFactory<TService>(Type.EmptyTypes);
        }
    }

    public TService Create(HttpContext httpContext)
    {
        if (_registered)
        {
            return httpContext.RequestServices.GetRequiredService<TService>();
        }

        return _construct is not null ? _construct() : _factory!(httpContext.RequestServices, null);
    }

    public ValueTask ReleaseAsync(TService service)
    {
        if (_registered)
        {
            return default;
        }

        if (service is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }

        (service as IDisposable)?.Dispose();
        return default;
    }
}
