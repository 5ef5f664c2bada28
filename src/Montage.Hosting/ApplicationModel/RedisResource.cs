namespace Montage.Hosting.ApplicationModel;

/// <summary>A redis-server process persisting with AOF in its own directory.</summary>
public sealed class RedisResource(string name) : Resource(name), IResourceWithConnectionString, IResourceWithEndpoints, IProcessResource
{
    public const string PrimaryEndpointName = "tcp";

    // StackExchange.Redis configuration format, as Aspire writes it.
    public string GetConnectionString(ValueContext context) =>
        $"{context.Host(this)}:{context.Port(this, PrimaryEndpointName, 0)}";
}
