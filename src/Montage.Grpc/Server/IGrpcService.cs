using Google.Protobuf.Reflection;

namespace Montage.Grpc.Server;

/// <summary>
/// A service class that names the protobuf service it implements, so that <c>MapGrpcService&lt;T&gt;()</c> needs no
/// descriptor argument: <c>public static ServiceDescriptor Descriptor =&gt; EchoReflection.Descriptor.Services[0];</c>
/// </summary>
public interface IGrpcService
{
    static abstract ServiceDescriptor Descriptor { get; }
}
