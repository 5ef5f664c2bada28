using Microsoft.Extensions.DependencyInjection;
using Montage.FakeProviders;
using Montage.Providers.Fal;
using Montage.Providers.Tests.Support;

namespace Montage.Providers.Tests.Fal;

/// <summary>One fake fal and one webhook receiver per test class; each test builds clients through the real DI registration.</summary>
public sealed class FalFixture : IAsyncLifetime
{
    private readonly List<ServiceProvider> providers = [];

    public FakeFal Fake { get; private set; } = null!;

    public WebhookSink Sink { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Fake = await FakeFal.StartAsync();
        Sink = await WebhookSink.StartAsync();
    }

    public Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["FAL_KEY"] = Fake.ApiKey,
            ["Providers:Fal:QueueUrl"] = Fake.QueueUrl.ToString(),
            ["Providers:Fal:RestUrl"] = Fake.RestUrl.ToString(),
            ["Providers:Fal:JwksUrl"] = Fake.JwksUrl.ToString(),
            ["Providers:Fal:JwksMinRefreshInterval"] = "00:00:00",
        };
        ProviderServices.AddFastRetry(settings, FalOptions.SectionName);
        return settings;
    }

    public FalProvider CreateProvider(Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = Settings();
        configure?.Invoke(settings);
        var services = ProviderServices.Build(settings, (s, c) => s.AddFalProvider(c));
        lock (providers)
        {
            providers.Add(services);
        }

        return services.GetRequiredService<FalProvider>();
    }

    public async Task DisposeAsync()
    {
        foreach (var services in providers)
        {
            await services.DisposeAsync();
        }

        await Fake.DisposeAsync();
        await Sink.DisposeAsync();
    }
}
