using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Montage.Providers.Abstractions;
using Montage.Providers.Fal;
using Montage.Providers.Kie;
using Montage.Providers.Tests.Support;

namespace Montage.Providers.Tests.Fal;

/// <summary>The fakes as a standalone process (as a developer or the AppHost runs them), driven by both real clients.</summary>
public sealed class FakeProvidersProcessFunctionalTests : IAsyncLifetime
{
    private readonly Dictionary<string, string> printed = [];
    private Process? process;

    public async Task InitializeAsync()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Montage.FakeProviders.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { dll, "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(argument);
        }

        process = Process.Start(start)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("Fake providers ready", StringComparison.Ordinal))
            {
                return;
            }

            var split = line.IndexOf('=', StringComparison.Ordinal);
            if (split > 0)
            {
                printed[line[..split]] = line[(split + 1)..];
            }
        }

        throw new InvalidOperationException($"The fake providers exited early: {await process.StandardError.ReadToEndAsync()}");
    }

    public async Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process?.Dispose();
    }

    [Fact]
    public async Task The_standalone_fakes_print_their_settings_and_serve_both_clients()
    {
        var settings = printed.ToDictionary(p => p.Key.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value);
        Assert.StartsWith("http://127.0.0.1:", settings["Providers:Fal:QueueUrl"], StringComparison.Ordinal);
        using var services = ProviderServices.Build(settings, (s, c) => s.AddFalProvider(c).AddKieProvider(c));
        var registry = services.GetRequiredService<IProviderRegistry>();

        var fal = await registry.Get("fal").SubmitAsync(new ProviderSubmitRequest("fal-ai/ideogram/v3", new JsonObject { ["prompt"] = "p" }), default);
        var kie = await registry.Get("kie").SubmitAsync(new ProviderSubmitRequest("kling-3.0/image", new JsonObject { ["prompt"] = "p" }), default);

        // The standalone fakes progress by the clock (seconds), so wait generously.
        foreach (var handle in new[] { fal.Handle, kie.Handle })
        {
            var provider = registry.Get(handle.Provider);
            await Eventually.UntilAsync(() => provider.GetStatusAsync(handle, default), s => s.IsTerminal, TimeSpan.FromSeconds(90));
            var file = Assert.Single((await provider.GetResultAsync(handle, default)).Files);
            Assert.Equal(MediaAssertions.PngSignature, (await MediaAssertions.DownloadAsync(file.Url))[..8]);
        }
    }
}
