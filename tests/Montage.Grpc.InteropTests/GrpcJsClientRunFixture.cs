using System.Text.Json;

namespace Montage.Grpc.InteropTests;

/// <summary>
/// Starts Montage's server twice (plain, and with gzip responses), runs the grpc-js client's scenario list
/// (tests/interop/interop-client.js) against them once, and keeps what it observed for the tests to check.
/// </summary>
public sealed class GrpcJsClientRunFixture : IAsyncLifetime
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, JsonElement> _results = [];
    private string _diagnostics = "";

    public async Task InitializeAsync()
    {
        await using var plain = await MontageServerHost.StartAsync();
        await using var compressing = await MontageServerHost.StartAsync(options => options.ResponseCompressionAlgorithm = "gzip");
        await RunAsync(plain.Address, "unary,server_streaming,client_streaming,duplex,deadline,cancel_stream,too_large_request,too_large_response,metadata,error_status,reflection");
        await RunAsync(compressing.Address, "gzip");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The observations of one scenario; fails with the script's output when it has none.</summary>
    public JsonElement Scenario(string name)
    {
        Assert.True(_results.TryGetValue(name, out var result), $"interop-client.js reported nothing for '{name}'.\n{_diagnostics}");
        Assert.False(result.TryGetProperty("error", out var error), $"Scenario '{name}' threw in grpc-js: {error}");
        return result;
    }

    private async Task RunAsync(Uri address, string scenarios)
    {
        await using var client = NodeProcess.Start("interop-client.js", "--address", $"{address.Host}:{address.Port}", "--only", scenarios);
        var output = await client.WaitForExitAsync(ScriptTimeout);
        _diagnostics += $"stdout: {output}\nstderr: {client.StandardError}\n";
        var lastLine = output.Trim().Split('\n')[^1];
        using var document = JsonDocument.Parse(lastLine);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            _results[property.Name] = property.Value.Clone();
        }
    }
}
