using Montage.Contracts.Jobs.V1;

namespace Montage.Gateway.Callbacks;

/// <summary>
/// Outbound webhooks: once a job with a <c>callback_url</c> is submitted, its terminal event (success or failure)
/// is POSTed there, signed per Standard Webhooks, retried on the standard schedule, and persisted so that a restart
/// drops none.
/// </summary>
public interface IJobCallbacks
{
    /// <summary>Durably records that <paramref name="job"/>'s terminal event goes to its callback URL.</summary>
    Task TrackAsync(Job job, CancellationToken cancellationToken);

    /// <summary>
    /// Checks a callback URL before the job is submitted: throws <c>ApiProblemException</c> 422
    /// <c>callback_url_refused</c> (e.g. a private address) or 503 <c>callbacks_not_configured</c>.
    /// </summary>
    Task ValidateAsync(string callbackUrl, CancellationToken cancellationToken);
}
