using Montage.Grpc.Testing.V1;

namespace Montage.Grpc.InteropTests;

/// <summary>The typed methods of montage.testing.v1.EchoService, built from the compiled descriptors.</summary>
internal static class EchoMethods
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = EchoReflection.Descriptor.Services[0];

    public static readonly Method<EchoRequest, EchoResponse> Echo = Method<EchoRequest, EchoResponse>.FromDescriptor(Service.FindMethodByName("Echo"));

    public static readonly Method<StreamRequest, EchoResponse> ServerStream = Method<StreamRequest, EchoResponse>.FromDescriptor(Service.FindMethodByName("ServerStream"));

    public static readonly Method<EchoRequest, EchoResponse> ClientStream = Method<EchoRequest, EchoResponse>.FromDescriptor(Service.FindMethodByName("ClientStream"));

    public static readonly Method<EchoRequest, EchoResponse> Duplex = Method<EchoRequest, EchoResponse>.FromDescriptor(Service.FindMethodByName("Duplex"));
}
