using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Montage.Gateway.Auth;
using Montage.Gateway.Errors;
using Montage.Gateway.Json;

namespace Montage.Gateway.Safety;

/// <summary>
/// <c>Idempotency-Key</c> on a creating POST: the first request's answer (2xx or 4xx) is stored with a fingerprint of
/// the request (method, path, query, body); the same key and the same request get that answer again (header
/// <c>Idempotent-Replayed: true</c>), a different request with the key gets 422, and a repeat while the first is
/// still running gets 409. 5xx answers and exceptions release the key so the client can retry.
/// </summary>
internal sealed class IdempotencyFilter : IEndpointFilter
{
    public const string HeaderName = "Idempotency-Key";
    public const int MaxKeyLength = 255;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers[HeaderName].ToString();
        if (key.Length == 0)
        {
            return await next(context).ConfigureAwait(false);
        }

        if (key.Length > MaxKeyLength || key.Any(char.IsControl))
        {
            throw new ApiProblemException(400, "invalid_idempotency_key", "The Idempotency-Key header is not valid.",
                $"Use at most {MaxKeyLength} printable characters.");
        }

        var services = http.RequestServices;
        var options = services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var store = services.GetRequiredService<IdempotencyStore>();
        var owner = http.User.GetOwner();
        var body = await BoundedBody.ReadAsync(http.Request, options.MaxJsonBodyBytes, http.RequestAborted).ConfigureAwait(false);
        http.Request.Body = new MemoryStream(body, writable: false);
        var fingerprint = Fingerprint(http.Request, body);

        var (claim, stored) = await store.ClaimAsync(owner, key, fingerprint, http.RequestAborted).ConfigureAwait(false);
        switch (claim)
        {
            case IdempotencyClaim.Replay:
                return new ReplayResult(stored!);
            case IdempotencyClaim.Mismatch:
                throw new ApiProblemException(422, "idempotency_key_reused", "This Idempotency-Key was used for a different request.",
                    "Use a new key for a different request.");
            case IdempotencyClaim.InProgress:
                throw new ApiProblemException(409, "idempotency_in_progress", "A request with this Idempotency-Key is still being handled.",
                    "Retry once it has been answered.");
        }

        object? result;
        try
        {
            result = await next(context).ConfigureAwait(false);
        }
        catch (Exception exception) when (ProblemExceptionHandler.Map(exception) is { Status: < 500 } problem)
        {
            // The client's mistake is part of the answer: a repeat must see the same problem.
            result = Problems.Result(problem);
        }
        catch
        {
            await store.ReleaseAsync(owner, key, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var captured = await CaptureAsync(http, result).ConfigureAwait(false);
        if (captured.StatusCode >= 500)
        {
            await store.ReleaseAsync(owner, key, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            await store.CompleteAsync(owner, key, captured, CancellationToken.None).ConfigureAwait(false);
        }

        return new ReplayResult(captured, replayed: false);
    }

    private static byte[] Fingerprint(HttpRequest request, byte[] body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        hash.AppendData(body);
        return hash.GetHashAndReset();
    }

    /// <summary>Runs the endpoint's result into memory, so it can be stored and then sent.</summary>
    private static async Task<StoredResponse> CaptureAsync(HttpContext http, object? result)
    {
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            switch (result)
            {
                case IResult endpointResult:
                    await endpointResult.ExecuteAsync(http).ConfigureAwait(false);
                    break;
                case null:
                    break;
                default:
                    await TypedResults.Ok(result).ExecuteAsync(http).ConfigureAwait(false);
                    break;
            }
        }
        finally
        {
            http.Response.Body = original;
        }

        return new StoredResponse(http.Response.StatusCode, http.Response.ContentType, http.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null,
            buffer.ToArray());
    }

    private sealed class ReplayResult(StoredResponse response, bool replayed = true) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = response.StatusCode;
            if (response.ContentType is not null)
            {
                httpContext.Response.ContentType = response.ContentType;
            }

            if (response.Location is not null)
            {
                httpContext.Response.Headers.Location = response.Location;
            }

            if (replayed)
            {
                httpContext.Response.Headers["Idempotent-Replayed"] = "true";
            }

            httpContext.Response.ContentLength = response.Body.Length;
            await httpContext.Response.Body.WriteAsync(response.Body, httpContext.RequestAborted).ConfigureAwait(false);
        }
    }
}
