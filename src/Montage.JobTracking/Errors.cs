using Montage.Grpc;

namespace Montage.JobTracking;

/// <summary>The precise statuses the tracker answers with; messages name the field or job at fault.</summary>
internal static class Errors
{
    public static RpcException InvalidArgument(string message) => new(StatusCode.InvalidArgument, message);

    public static RpcException NotFound(string message) => new(StatusCode.NotFound, message);

    public static RpcException FailedPrecondition(string message) => new(StatusCode.FailedPrecondition, message);

    public static RpcException AlreadyExists(string message) => new(StatusCode.AlreadyExists, message);

    public static RpcException JobNotFound(string id) => NotFound($"job {id} not found");

    /// <summary>Job ids are UUIDs; anything else cannot name a job.</summary>
    public static Guid ParseJobId(string value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw InvalidArgument($"{field} is required");
        }

        if (!Guid.TryParse(value, out var id))
        {
            throw InvalidArgument($"{field} '{Truncate(value)}' is not a job id (a UUID)");
        }

        return id;
    }

    public static Guid ParseLeaseId(string value)
    {
        if (!Guid.TryParse(value, out var id))
        {
            throw InvalidArgument("lease_id is required: the value returned by Lease");
        }

        return id;
    }

    public static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "...";
}
