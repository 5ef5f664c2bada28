using Montage.Contracts.Jobs.V1;

namespace Montage.Generation.Worker;

/// <summary>Ends the current attempt with this error: thrown inside a job run, reported with Fail by the runner.</summary>
internal sealed class JobFailureException : Exception
{
    public JobFailureException(string code, string message, bool retryable, TimeSpan? retryAfter = null)
        : base(message)
    {
        Error = new JobError { Code = code, Message = message, Retryable = retryable };
        RetryAfter = retryAfter;
    }

    public JobFailureException()
        : this("internal", "The job failed.", retryable: false)
    {
    }

    public JobFailureException(string message)
        : this("internal", message, retryable: false)
    {
    }

    public JobFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = new JobError { Code = "internal", Message = message, Retryable = false };
    }

    public JobError Error { get; }

    public TimeSpan? RetryAfter { get; }

    /// <summary>What the provider charged despite the failure (e.g. a run it could not cancel).</summary>
    public long ActualCostMicros { get; init; }
}
