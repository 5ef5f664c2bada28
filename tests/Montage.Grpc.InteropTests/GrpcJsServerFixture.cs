namespace Montage.Grpc.InteropTests;

/// <summary>One grpc-js EchoService server (tests/interop/echo-server.js) for a test class, on a free port.</summary>
public sealed class GrpcJsServerFixture : IAsyncLifetime
{
    private NodeProcess? _server;

    public Uri Address { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = NodeProcess.Start("echo-server.js", "--port", "0");
        var port = await _server.WaitForPortAsync(TimeSpan.FromSeconds(60));
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
