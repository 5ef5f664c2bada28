namespace Montage.Hosting.Publishing;

/// <summary>The publish command cannot proceed (unknown format, no output directory); the message is for the user.</summary>
public sealed class PublishException : Exception
{
    public PublishException()
    {
    }

    public PublishException(string message)
        : base(message)
    {
    }

    public PublishException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
