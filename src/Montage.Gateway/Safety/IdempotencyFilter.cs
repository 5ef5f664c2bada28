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
/// On the job-creating POSTs (<paramref name="guardedByJobTracking"/>) the key also goes to JobTracking, whose unique
/// (owner, idempotency key) on the job row is committed with the job, durably, in the same transaction: a repeat of the
/// same spec gets the same job back (marked deduplicated), a different spec AlreadyExists, concurrent repeats one job.
/// So such a request only reads the gateway's records (a stored 4xx answer, a mismatch) and writes none when it creates
/// or finds its job: no extra commit, and nothing a crash of the gateway or its database could lose that matters. The
/// answer to a repeat is derived from the job (202, same id and Location, its state as of now, header
/// <c>Idempotent-Replayed</c>); a different body gets AlreadyExists from JobTracking, answered 422 as here.
/// Two cases still write: a 4xx answer is stored (one commit, off the happy path) so a repeat gets it again; and a body
/// whose media references are imported (URLs, data: URIs) would be imported again under new asset ids on a repeat, so
/// JobTracking could not recognize it: the endpoint then claims the key (<see cref="IdempotencyClaimFeature"/>) before
/// submitting, and the claim and answer are written durably as for any other endpoint. Endpoints without a
/// downstream guard (retry) always claim first.
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

        if (guardedByJobTracking)
        {
            if (await store.LookupAsync(owner, key, fingerprint, http.RequestAborted).ConfigureAwait(false) is { } found)
            {
                return Answer(found.Claim, found.Response) ?? throw new InvalidOperationException("A lookup never claims.");
            }

            return await GuardedAsync(context, next, store, owner, key, fingerprint).ConfigureAwait(false);
        }

        var (claim, stored) = await store.ClaimAsync(owner, key, fingerprint, http.RequestAborted).ConfigureAwait(false);
        if (Answer(claim, stored) is { } answer)
        {
            return answer;
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

        return await FinishClaimedAsync(http, store, owner, key, result).ConfigureAwait(false);
    }

    /// <summary>A request with a key no record knows, on an endpoint whose effect JobTracking guards (see above).</summary>
    private static async Task<object?> GuardedAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, IdempotencyStore store, string owner, string key, byte[] fingerprint)
    {
        var http = context.HttpContext;
        var feature = new IdempotencyClaimFeature(async cancellationToken =>
        {
            var (claim, stored) = await store.ClaimAsync(owner, key, fingerprint, cancellationToken).ConfigureAwait(false);
            if (claim != IdempotencyClaim.Claimed)
            {
                // Another request with the key got there first: answer as if it had been there at the start.
                throw new IdempotencyAnswerException(Answer(claim, stored)!);
            }
        });
        http.Features.Set(feature);
        object? result;
        try
        {
            result = await next(context).ConfigureAwait(false);
        }
        catch (IdempotencyAnswerException answer)
        {
            return answer.Result;
        }
        catch (Exception exception) when (ProblemExceptionHandler.Map(exception) is { Status: < 500 } problem)
        {
            result = Problems.Result(problem);
        }
        catch
        {
            if (feature.Claimed)
            {
                await store.ReleaseAsync(owner, key, CancellationToken.None).ConfigureAwait(false);
            }

            throw;
        }

        if (feature.Claimed)
        {
            return await FinishClaimedAsync(http, store, owner, key, result).ConfigureAwait(false);
        }

        var captured = await CaptureAsync(http, result).ConfigureAwait(false);
        if (captured.StatusCode is >= 400 and < 500)
        {
            // No job was created: JobTracking knows nothing of the key, so the answer is kept here.
            await store.StoreAnswerAsync(owner, key, fingerprint, captured, CancellationToken.None).ConfigureAwait(false);
        }

        return new ReplayResult(captured, replayed: feature.Replayed);
    }

    /// <summary>The answer to a key that is not free: a replay, 422 or 409; null when the key was claimed.</summary>
    private static ReplayResult? Answer(IdempotencyClaim claim, StoredResponse? stored)
    {
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
            default:
                return null;
        }
    }

    /// <summary>Stores the answer of a claimed request (or releases the key after a 5xx) and sends it.</summary>
    private static async Task<object?> FinishClaimedAsync(HttpContext http, IdempotencyStore store, string owner, string key, object? result)
    {
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

    /// <summary>Carries the answer to a key claimed by another request from the endpoint back to the filter.</summary>
    private sealed class IdempotencyAnswerException(ReplayResult result) : Exception("The Idempotency-Key was claimed by another request.")
    {
        public ReplayResult Result { get; } = result;
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
