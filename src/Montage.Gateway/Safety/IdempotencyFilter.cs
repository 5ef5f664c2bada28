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
/// <para>
/// Durability. On the job-creating POSTs (<paramref name="guardedByJobTracking"/>) the key also goes to JobTracking,
/// whose unique (owner, idempotency key) on the job row is committed durably with the job and answers a repeat of the
/// same spec with the same job, a different spec with AlreadyExists. So the gateway writes its claim and its answer
/// with <c>synchronous_commit = off</c> (<see cref="IdempotencyDurability.Relaxed"/>): no WAL flush waited for on the
/// request's path. What a Postgres crash can lose is only such a write of the last ~600 ms, never half of one:
/// <list type="bullet">
/// <item>the claim, before the submit: the request itself fails or is repeated from scratch; at most one job.</item>
/// <item>the claim or the answer, after JobTracking committed the job: the repeat (same key, same body) claims anew (or
/// takes over the unanswered claim after <see cref="IdempotencyStore.StaleClaimAfter"/>), builds the same spec and gets
/// the same job back from JobTracking: 202 with the same id and Location, its state as of now. A different body gets
/// AlreadyExists, answered 422 as when the record exists. Never a second job.</item>
/// <item>a 4xx answer: the repeat is validated again; the same body gets the same answer unless the world changed (an
/// asset it names was uploaded meanwhile), and then creates the one job that body describes.</item>
/// </list>
/// The one case the downstream guard does not cover is a body whose media references are imported (URLs, data: URIs):
/// a repeat would import them again under new asset ids, so its spec would differ. The endpoint then calls
/// <see cref="IdempotencyClaimFeature.RequireDurableAsync"/> before submitting, and the claim and answer are durable as
/// before. Other endpoints with a key (retry: no downstream guard) keep both writes durable.
/// </para>
/// </summary>
internal sealed class IdempotencyFilter(bool guardedByJobTracking = false) : IEndpointFilter
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

        var durability = guardedByJobTracking ? IdempotencyDurability.Relaxed : IdempotencyDurability.Durable;
        var (claim, stored) = await store.ClaimAsync(owner, key, fingerprint, durability, http.RequestAborted).ConfigureAwait(false);
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

        var feature = new IdempotencyClaimFeature(durability == IdempotencyDurability.Durable, cancellationToken => store.MakeDurableAsync(owner, key, cancellationToken));
        http.Features.Set(feature);
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
            await store.CompleteAsync(owner, key, captured, feature.Durable ? IdempotencyDurability.Durable : IdempotencyDurability.Relaxed, CancellationToken.None).ConfigureAwait(false);
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
