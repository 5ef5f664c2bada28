using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Orchestration;

/// <summary>redis-server in the foreground, persisting with AOF in <c>&lt;data dir&gt;/&lt;name&gt;</c>.</summary>
internal sealed class RedisDriver : ResourceDriver
{
    public override bool HasHealthCheck(IResource resource) => true;

    public override Task<LaunchSpec> PrepareAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var command = Prerequisites.Locate("redis-server")
            ?? throw new ResourceStartException("redis-server not found: install the Debian package 'redis-server'.");
        var directory = Path.Combine(context.Settings.DataDirectory, context.Resource.Name);
        Directory.CreateDirectory(directory);
        var endpoint = context.Resource.Annotations.OfType<EndpointAnnotation>().First();
        var spec = new LaunchSpec(command, [
            "--port", context.Port(endpoint.Name).ToString(CultureInfo.InvariantCulture),
            "--bind", context.BindAddress(endpoint),
            "--dir", directory,
            "--appendonly", "yes",
            "--save", string.Empty,
            "--daemonize", "no",
            "--logfile", string.Empty,
        ], directory)
        {
            Environment = BaseEnvironment(context),
        };
        return Task.FromResult(WithInheritanceRules(spec));
    }

    public override async Task<bool> CheckHealthAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await client.ConnectAsync("127.0.0.1", context.Port(RedisResource.PrimaryEndpointName), timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token).ConfigureAwait(false);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            // "-LOADING" while the AOF is replayed: running, not yet able to serve.
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
