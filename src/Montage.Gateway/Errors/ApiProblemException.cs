namespace Montage.Gateway.Errors;

/// <summary>A request the client must change: answered as a problem with this status and stable code.</summary>
public sealed class ApiProblemException(int status, string code, string title, string? detail = null, IDictionary<string, string[]>? errors = null)
    : Exception(detail ?? title)
{
    public int Status { get; } = status;

    /// <summary>Stable snake_case code clients branch on.</summary>
    public string Code { get; } = code;

    public string Title { get; } = title;

    public string? Detail { get; } = detail;

    /// <summary>Field path -> messages, for validation problems.</summary>
    public IDictionary<string, string[]>? Errors { get; } = errors;
}
