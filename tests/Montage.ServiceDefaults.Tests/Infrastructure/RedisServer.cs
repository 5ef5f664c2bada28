using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Montage.ServiceDefaults.Tests.Infrastructure;

/// <summary>A real redis-server on a free port, without persistence; can be stopped and restarted on the same port.</summary>
public sealed class RedisServer : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"montage-sd-redis-{Guid.NewGuid():N}");
    private Process? _process;

    public int Port { get; } = ExternalProcess.FreePort();

    public string ConnectionString => $"127.0.0.1:{Port}";

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return StartAsync();
    }

    public async Task StartAsync()
    {
        var server = ExternalProcess.FindExecutable("redis-server", "/usr/bin/redis-server");
        _process = ExternalProcess.Start(
            server,
            ["--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory],
            out var output);
        await ExternalProcess.WaitUntilAsync(AnswersPingAsync, _process, output, "redis-server");
    }

    public void Stop()
    {
        ExternalProcess.Stop(_process);
        _process = null;
    }

    public Task DisposeAsync()
    {
        Stop();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return read >= 5 && buffer.AsSpan(0, 5).SequenceEqual("+PONG"u8);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
