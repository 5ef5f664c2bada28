using Montage.Grpc;

namespace Montage.Gateway.Errors;

/// <summary>What a failed call to a Montage service means to the HTTP client.</summary>
public static class RpcProblemMapping
{
    /// <summary>
    /// The problem for a gRPC status. Client errors keep the service's detail (our own services write it for
    /// clients); server errors never do.
    /// </summary>
    public static ApiProblemException ToProblem(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var detail = exception.Status.Detail;
        return exception.StatusCode switch
        {
            StatusCode.InvalidArgument => new ApiProblemException(400, "invalid_argument", "The request is not valid.", detail),
            StatusCode.OutOfRange => new ApiProblemException(400, "out_of_range", "A value is out of range.", detail),
            StatusCode.NotFound => new ApiProblemException(404, "not_found", "Not found.", detail),
            StatusCode.AlreadyExists => new ApiProblemException(409, "already_exists", "It already exists.", detail),
            StatusCode.FailedPrecondition => new ApiProblemException(409, "invalid_state", "Not possible in the current state.", detail),
            StatusCode.Aborted => new ApiProblemException(409, "conflict", "A concurrent change conflicted; try again.", detail),
            StatusCode.ResourceExhausted => new ApiProblemException(429, "resource_exhausted", "A limit was reached; try again later.", detail),
            StatusCode.PermissionDenied => new ApiProblemException(403, "forbidden", "Not allowed.", detail),
            StatusCode.Unauthenticated => new ApiProblemException(401, "unauthenticated", "Not authenticated."),
            StatusCode.Unavailable => new ApiProblemException(503, "service_unavailable", "A service behind the gateway is unavailable; try again."),
            StatusCode.DeadlineExceeded => new ApiProblemException(504, "timeout", "A service behind the gateway did not answer in time."),
            StatusCode.Cancelled => new ApiProblemException(503, "service_unavailable", "The call was interrupted; try again."),
            _ => new ApiProblemException(500, "internal_error", "An unexpected error occurred."),
        };
    }
}
