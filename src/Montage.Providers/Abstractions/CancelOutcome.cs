namespace Montage.Providers.Abstractions;

public enum CancelOutcome
{
    /// <summary>The provider accepted the cancellation; a job already running may still complete.</summary>
    Requested,

    /// <summary>The job had already finished; nothing was cancelled.</summary>
    AlreadyCompleted,

    /// <summary>The provider does not know the job.</summary>
    NotFound,

    /// <summary>The provider offers no cancellation (KIE); the job runs to its end.</summary>
    NotSupported,
}
