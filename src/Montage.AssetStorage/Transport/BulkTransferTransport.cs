using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Montage.AssetStorage.Transport;

/// <summary>
/// Kestrel settings for a service whose traffic is bulk bytes: large pool blocks (see <see cref="LargeBlockMemoryPool"/>)
/// and reads straight into a block instead of a zero-byte read first to learn that data is there (which doubled the
/// receive system calls during a transfer; the cost is one block held by each idle connection, and this service has few).
/// </summary>
internal static class BulkTransferTransport
{
    public static IServiceCollection AddBulkTransferTransport(this IServiceCollection services)
    {
        // Registered after Kestrel's default, so this one is what Kestrel resolves.
        services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        services.Configure<SocketTransportOptions>(o => o.WaitForDataBeforeAllocatingBuffer = false);
        return services;
    }

    private sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
    {
        public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
    }
}
