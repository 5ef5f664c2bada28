using Google.Protobuf.Reflection;

namespace Montage.Grpc.Server;

/// <summary>Endpoint metadata of a mapped gRPC method: the service class and the RPC it serves.</summary>
public sealed record GrpcMethodMetadata(Type ServiceType, MethodDescriptor Method);
