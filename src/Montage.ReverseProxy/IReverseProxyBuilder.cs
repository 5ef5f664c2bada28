using Microsoft.Extensions.DependencyInjection;

namespace Montage.ReverseProxy;

/// <summary>What <c>AddReverseProxy()</c> returns, to chain configuration on, as YARP's interface of the same name.</summary>
public interface IReverseProxyBuilder
{
    IServiceCollection Services { get; }
}
