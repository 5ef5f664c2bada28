using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Montage.Gateway.Media;
using Montage.Grpc;

namespace Montage.Gateway.Errors;

/// <summary>Every exception becomes a problem: the client's mistakes as 4xx with a code, anything else as a bare 500.</summary>
internal sealed partial class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        var problem = Map(exception);
        if (problem.Status >= 500)
        {
            LogServerError(logger, httpContext.Request.Method, httpContext.Request.Path, problem.Code, exception.GetType().Name);
        }

        await Problems.Result(problem).ExecuteAsync(httpContext).ConfigureAwait(false);
        return true;
    }

    internal static ApiProblemException Map(Exception exception) => exception switch
    {
        ApiProblemException problem => problem,
        RpcException rpc => RpcProblemMapping.ToProblem(rpc),
        MediaReferenceException media => new ApiProblemException(media.Status, media.Code, "A media reference cannot be used.", media.Message),
        BadHttpRequestException { StatusCode: 413 } => new ApiProblemException(413, "payload_too_large", "The request body is too large."),
        BadHttpRequestException bad => new ApiProblemException(bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : 400, "bad_request", "The request is malformed."),
        JsonException => new ApiProblemException(400, "malformed_json", "The body is not valid JSON."),
        _ => new ApiProblemException(500, "internal_error", "An unexpected error occurred."),
    };

    [LoggerMessage(EventId = 100, Level = LogLevel.Error, Message = "{Method} {Path} failed with {Code} ({ExceptionType}).")]
    private static partial void LogServerError(ILogger logger, string method, string path, string code, string exceptionType);
}
