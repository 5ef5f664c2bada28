using Microsoft.Extensions.Logging;
using Montage.Grpc.Protocol;

namespace Montage.Grpc.Server;

/// <summary>What every call of one mapped method shares, computed once at startup.</summary>
internal sealed class ServerMethodInfo
{
    public ServerMethodInfo(MethodType type, string serviceName, string methodName, GrpcServiceOptions options, ILogger logger, CancellationToken stopping)
    {
        Type = type;
        ServiceName = serviceName;
        MethodName = methodName;
        FullName = "/" + serviceName + "/" + methodName;
        DisplayName = serviceName + "/" + methodName;
        MaxReceiveMessageSize = options.MaxReceiveMessageSize ?? int.MaxValue;
        MaxSendMessageSize = options.MaxSendMessageSize;
        ResponseCompressionAlgorithm = options.ResponseCompressionAlgorithm;
        EnableDetailedErrors = options.EnableDetailedErrors;
        Logger = logger;
        Stopping = stopping;
    }

    public MethodType Type { get; }

    public string ServiceName { get; }

    public string MethodName { get; }

    /// <summary>The HTTP/2 path: <c>/package.Service/Method</c>.</summary>
    public string FullName { get; }

    /// <summary>The Activity display name: <c>package.Service/Method</c>.</summary>
    public string DisplayName { get; }

    public int MaxReceiveMessageSize { get; }

    public int? MaxSendMessageSize { get; }

    public string? ResponseCompressionAlgorithm { get; }

    public bool EnableDetailedErrors { get; }

    public ILogger Logger { get; }

    /// <summary>ApplicationStopping: server shutdown cancels running calls.</summary>
    public CancellationToken Stopping { get; }

    public bool IsClientStreaming => Type is MethodType.ClientStreaming or MethodType.DuplexStreaming;

    internal static void ValidateCompression(GrpcServiceOptions options)
    {
        if (options.ResponseCompressionAlgorithm is { } algorithm
            && !algorithm.Equals(MessageCompression.Gzip, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"GrpcServiceOptions.ResponseCompressionAlgorithm '{algorithm}' is not supported; use '{MessageCompression.Gzip}' or null.");
        }
    }
}
