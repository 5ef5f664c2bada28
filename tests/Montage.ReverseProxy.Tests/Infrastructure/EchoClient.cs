using Montage.Grpc;
using Montage.Grpc.Client;
using Montage.Grpc.Testing;
using Montage.Grpc.Testing.V1;

namespace Montage.ReverseProxy.Tests.Infrastructure;

/// <summary>A typed client of the echo service, over any channel (here: the proxy's address).</summary>
public sealed class EchoClient(CallInvoker invoker)
{
    public static readonly Method<EchoRequest, EchoResponse> EchoMethod = Method<EchoRequest, EchoResponse>.FromDescriptor(EchoService.Descriptor.FindMethodByName("Echo"));
    public static readonly Method<StreamRequest, EchoResponse> ServerStreamMethod = Method<StreamRequest, EchoResponse>.FromDescriptor(EchoService.Descriptor.FindMethodByName("ServerStream"));
    public static readonly Method<EchoRequest, EchoResponse> ClientStreamMethod = Method<EchoRequest, EchoResponse>.FromDescriptor(EchoService.Descriptor.FindMethodByName("ClientStream"));
    public static readonly Method<EchoRequest, EchoResponse> DuplexMethod = Method<EchoRequest, EchoResponse>.FromDescriptor(EchoService.Descriptor.FindMethodByName("Duplex"));

    public AsyncUnaryCall<EchoResponse> Echo(EchoRequest request, CallOptions options = default) => invoker.AsyncUnaryCall(EchoMethod, null, options, request);

    public AsyncServerStreamingCall<EchoResponse> ServerStream(StreamRequest request, CallOptions options = default) => invoker.AsyncServerStreamingCall(ServerStreamMethod, null, options, request);

    public AsyncClientStreamingCall<EchoRequest, EchoResponse> ClientStream(CallOptions options = default) => invoker.AsyncClientStreamingCall(ClientStreamMethod, null, options);

    public AsyncDuplexStreamingCall<EchoRequest, EchoResponse> Duplex(CallOptions options = default) => invoker.AsyncDuplexStreamingCall(DuplexMethod, null, options);

    /// <summary>The echo service's payload pattern: byte i is (byte)i.</summary>
    public static bool IsPattern(ReadOnlySpan<byte> payload, int size)
    {
        if (payload.Length != size)
        {
            return false;
        }

        for (var i = 0; i < payload.Length; i++)
        {
            if (payload[i] != (byte)i)
            {
                return false;
            }
        }

        return true;
    }
}
