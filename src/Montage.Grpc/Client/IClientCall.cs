namespace Montage.Grpc.Client;

/// <summary>What every kind of call object exposes about the call in flight.</summary>
internal interface IClientCall : IDisposable
{
    Task<Metadata> ResponseHeadersAsync { get; }

    Status GetStatus();

    Metadata GetTrailers();
}
