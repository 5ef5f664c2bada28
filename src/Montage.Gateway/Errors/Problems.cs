using Microsoft.AspNetCore.Mvc;

namespace Montage.Gateway.Errors;

/// <summary>RFC 9457 problem details with the extension members every Montage error carries: <c>code</c>, and <c>errors</c> for validation.</summary>
public static class Problems
{
    /// <summary>The problem type URI for a code, so <c>type</c> is as stable as <c>code</c>.</summary>
    public static string TypeOf(string code) => "https://montage.dev/problems/" + code.Replace('_', '-');

    public static ProblemDetails Create(int status, string code, string title, string? detail = null, IDictionary<string, string[]>? errors = null)
    {
        var problem = new ProblemDetails { Status = status, Type = TypeOf(code), Title = title, Detail = detail };
        problem.Extensions["code"] = code;
        if (errors is { Count: > 0 })
        {
            problem.Extensions["errors"] = errors;
        }

        return problem;
    }

    /// <summary>A problem result (<c>application/problem+json</c>).</summary>
    public static IResult Result(int status, string code, string title, string? detail = null, IDictionary<string, string[]>? errors = null) =>
        TypedResults.Problem(Create(status, code, title, detail, errors));

    public static IResult Result(ApiProblemException problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return Result(problem.Status, problem.Code, problem.Title, problem.Detail, problem.Errors);
    }

    /// <summary>Writes a problem directly (middleware, authentication handlers).</summary>
    public static Task WriteAsync(HttpContext context, int status, string code, string title, string? detail = null, IDictionary<string, string[]>? errors = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Result(status, code, title, detail, errors).ExecuteAsync(context);
    }

    /// <summary>The code for a bare status (routing 404, 405 and the like).</summary>
    public static (string Code, string Title) ForStatus(int status) => status switch
    {
        400 => ("bad_request", "The request is malformed."),
        401 => ("unauthenticated", "An API key is required."),
        403 => ("forbidden", "This API key may not do that."),
        404 => ("not_found", "Not found."),
        405 => ("method_not_allowed", "This method is not allowed here."),
        406 => ("not_acceptable", "No acceptable representation."),
        409 => ("conflict", "The request conflicts with the current state."),
        411 => ("length_required", "A Content-Length is required."),
        413 => ("payload_too_large", "The request body is too large."),
        415 => ("unsupported_media_type", "This content type is not supported here."),
        422 => ("unprocessable", "The request cannot be processed."),
        429 => ("rate_limited", "Too many requests."),
        431 => ("headers_too_large", "The request headers are too large."),
        503 => ("service_unavailable", "A service behind the gateway is unavailable; try again."),
        504 => ("timeout", "A service behind the gateway did not answer in time."),
        >= 500 => ("internal_error", "An unexpected error occurred."),
        _ => ("error", "The request failed."),
    };
}
