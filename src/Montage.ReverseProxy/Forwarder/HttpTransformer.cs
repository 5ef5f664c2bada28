using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Montage.ReverseProxy.Forwarder;

/// <summary>
/// Shapes the upstream request and the client response, as YARP's class of the same name: the default copies
/// every end-to-end header, the body and the trailers; override to add, remove or check headers.
/// </summary>
public class HttpTransformer
{
    /// <summary>Copies everything end-to-end.</summary>
    public static readonly HttpTransformer Default = new();

    /// <summary>Copies the request headers (not hop-by-hop ones) and sets the upstream URI.</summary>
    public virtual ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(proxyRequest);
        ArgumentNullException.ThrowIfNull(destinationPrefix);
        var request = httpContext.Request;
        var connection = request.Headers.Connection;
        foreach (var (name, values) in request.Headers)
        {
            if (HopByHopHeaders.IsHopByHop(name, connection) && !HopByHopHeaders.IsTeTrailers(name, values))
            {
                continue;
            }

            var array = (string[])values!;
            if (!proxyRequest.Headers.TryAddWithoutValidation(name, array) && proxyRequest.Content is not null)
            {
                proxyRequest.Content.Headers.TryAddWithoutValidation(name, array);
            }
        }

        proxyRequest.RequestUri = MakeDestinationAddress(destinationPrefix, request.Path, request.QueryString);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Copies the status and headers to the client response. Returning false skips the body (the transformer
    /// answered itself).
    /// </summary>
    public virtual ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(proxyResponse);
        var response = httpContext.Response;
        response.StatusCode = (int)proxyResponse.StatusCode;
        var connection = proxyResponse.Headers.Connection.Count == 0 ? default : new Microsoft.Extensions.Primitives.StringValues([.. proxyResponse.Headers.Connection]);
        CopyResponseHeaders(proxyResponse.Headers, response.Headers, connection);
        CopyResponseHeaders(proxyResponse.Content.Headers, response.Headers, connection);
        return ValueTask.FromResult(true);
    }

    /// <summary>Copies the upstream trailers (gRPC status among them) to the client, when its protocol carries trailers.</summary>
    public virtual ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(proxyResponse);
        var trailers = httpContext.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        if (trailers is null || trailers.IsReadOnly)
        {
            return ValueTask.CompletedTask;
        }

        foreach (var (name, values) in proxyResponse.TrailingHeaders)
        {
            if (!HopByHopHeaders.IsHopByHop(name, default))
            {
                trailers.Append(name, values.ToArray());
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The destination prefix (its path kept) followed by the request's path and query.</summary>
    public static Uri MakeDestinationAddress(string destinationPrefix, PathString path, QueryString query)
    {
        ArgumentNullException.ThrowIfNull(destinationPrefix);
        var prefix = destinationPrefix.EndsWith('/') ? destinationPrefix[..^1] : destinationPrefix;
        return new Uri(prefix + path.ToUriComponent() + query.ToUriComponent(), UriKind.Absolute);
    }

    private static void CopyResponseHeaders(System.Net.Http.Headers.HttpHeaders source, IHeaderDictionary destination, Microsoft.Extensions.Primitives.StringValues connection)
    {
        foreach (var (name, values) in source.NonValidated)
        {
            if (HopByHopHeaders.IsHopByHop(name, connection))
            {
                continue;
            }

            destination[name] = values.Count == 1 ? new Microsoft.Extensions.Primitives.StringValues(values.ToString()) : new Microsoft.Extensions.Primitives.StringValues([.. values]);
        }
    }
}
