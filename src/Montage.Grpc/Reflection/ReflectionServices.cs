using Google.Protobuf;
using Google.Protobuf.Reflection;
using Montage.Grpc.Server;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace Montage.Grpc.Reflection;

/// <summary>grpc.reflection.v1.ServerReflection: one response per request, in order, on one bidirectional stream.</summary>
internal sealed class ReflectionServiceV1(ReflectionIndex index) : IGrpcService
{
    public static ServiceDescriptor Descriptor => V1.ReflectionReflection.Descriptor.Services[0];

    public async Task ServerReflectionInfo(
        IAsyncStreamReader<V1.ServerReflectionRequest> requestStream, IServerStreamWriter<V1.ServerReflectionResponse> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(index.Handle(requestStream.Current), context.CancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// grpc.reflection.v1alpha.ServerReflection, which older tools still use. Its messages are wire-identical to v1,
/// so requests and responses are translated through their bytes.
/// </summary>
internal sealed class ReflectionServiceV1Alpha(ReflectionIndex index) : IGrpcService
{
    public static ServiceDescriptor Descriptor => V1Alpha.ReflectionReflection.Descriptor.Services[0];

    public async Task ServerReflectionInfo(
        IAsyncStreamReader<V1Alpha.ServerReflectionRequest> requestStream, IServerStreamWriter<V1Alpha.ServerReflectionResponse> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = V1.ServerReflectionRequest.Parser.ParseFrom(requestStream.Current.ToByteString());
            var response = V1Alpha.ServerReflectionResponse.Parser.ParseFrom(index.Handle(request).ToByteString());
            await responseStream.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
        }
    }
}
