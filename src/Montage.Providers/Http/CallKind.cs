namespace Montage.Providers.Http;

/// <summary>Decides what a transport failure means for a call.</summary>
internal enum CallKind
{
    /// <summary>Safe to repeat (status, result, cancel, upload): network failures and timeouts are retried.</summary>
    Idempotent,

    /// <summary>
    /// A paid submit: repeated only when the provider certainly did not accept it (no connection, or it answered
    /// "not accepted"); a failure after the request may have reached the server is <c>OutcomeUnknown</c>.
    /// </summary>
    Submit,
}
