using System.Net;
using System.Net.Http.Headers;
using Montage.Grpc.Client;

namespace Montage.Gateway.Tests.Forwarding;

/// <summary>gRPC channels to the gateway's h2c endpoint that send an API key on every call, as a real client would.</summary>
internal static class GatewayGrpcClients
{
    public static GrpcChannel Channel(Uri grpcEndpoint, string apiKey) =>
        GrpcChannel.ForAddress(grpcEndpoint, new GrpcChannelOptions
        {
            HttpHandler = new BearerHandler(apiKey) { InnerHandler = new SocketsHttpHandler { UseProxy = false } },
            DisposeHttpHandler = true,
        });

    /// <summary>A plain HTTP/2 (prior knowledge) client, to send hand-made gRPC frames.</summary>
    public static HttpClient RawHttp2(Uri grpcEndpoint) => new(new SocketsHttpHandler { UseProxy = false })
    {
        BaseAddress = grpcEndpoint,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromMinutes(2),
    };

    private sealed class BearerHandler(string apiKey) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
