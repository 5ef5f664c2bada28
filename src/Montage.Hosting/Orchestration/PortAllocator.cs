using System.Net;
using System.Net.Sockets;

namespace Montage.Hosting.Orchestration;

/// <summary>Fixed ports as declared, otherwise free ones found by binding port 0; never the same port twice.</summary>
internal sealed class PortAllocator(bool randomize)
{
    private readonly HashSet<int> _taken = [];

    public int Allocate(int? requested)
    {
        if (requested is { } fixedPort && !randomize && _taken.Add(fixedPort))
        {
            return fixedPort;
        }

        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            if (_taken.Add(port))
            {
                return port;
            }
        }
    }
}
