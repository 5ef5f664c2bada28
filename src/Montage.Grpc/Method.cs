using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Montage.Grpc;

/// <summary>
/// A typed gRPC method: its kind, its full name (<c>/package.Service/Method</c>) and how to parse its messages.
/// Built by hand or from a protobuf <see cref="MethodDescriptor"/>.
/// </summary>
public sealed class Method<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public Method(MethodType type, string serviceName, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Type = type;
        ServiceName = serviceName;
        Name = name;
        FullName = "/" + serviceName + "/" + name;
        RequestParser = requestParser;
        ResponseParser = responseParser;
    }

    public MethodType Type { get; }

    /// <summary>Fully-qualified service name, e.g. <c>montage.jobs.v1.JobTracker</c>.</summary>
    public string ServiceName { get; }

    public string Name { get; }

    /// <summary>The HTTP/2 path of the method: <c>/montage.jobs.v1.JobTracker/Submit</c>.</summary>
    public string FullName { get; }

    public MessageParser<TRequest> RequestParser { get; }

    public MessageParser<TResponse> ResponseParser { get; }

    /// <summary>Creates the typed method for an RPC of a compiled .proto, checking the message types match.</summary>
    public static Method<TRequest, TResponse> FromDescriptor(MethodDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.InputType.ClrType != typeof(TRequest) || descriptor.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException(
                $"{descriptor.FullName} takes {descriptor.InputType.FullName} and returns {descriptor.OutputType.FullName}, " +
                $"not {typeof(TRequest).Name} -> {typeof(TResponse).Name}.",
                nameof(descriptor));
        }

        var type = (descriptor.IsClientStreaming, descriptor.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (true, false) => MethodType.ClientStreaming,
            (false, true) => MethodType.ServerStreaming,
            (true, true) => MethodType.DuplexStreaming,
        };
        var requestParser = (MessageParser<TRequest>)descriptor.InputType.Parser;
        var responseParser = (MessageParser<TResponse>)descriptor.OutputType.Parser;
        return new Method<TRequest, TResponse>(type, descriptor.Service.FullName, descriptor.Name, requestParser, responseParser);
    }
}
