using Microsoft.Extensions.DependencyInjection;
using Montage.FakeProviders;
using Montage.Providers.Kie;
using Montage.Providers.Tests.Support;

namespace Montage.Providers.Tests.Kie;

/// <summary>One fake KIE and one webhook receiver per test class; each test builds clients through the real DI registration.</summary>
public sealed class KieFixture : IAsyncLifetime
{
    private readonly List<ServiceProvider> providers = [];

    public FakeKie Fake { get; private set; } = null!;

    public WebhookSink Sink { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Fake = await FakeKie.StartAsync();
        Sink = await WebhookSink.StartAsync();
    }

    public KieProvider CreateProvider(Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["KIE_API_KEY"] = Fake.ApiKey,
            ["Providers:Kie:BaseUrl"] = Fake.BaseUrl.ToString(),
            ["Providers:Kie:UploadUrl"] = Fake.UploadUrl.ToString(),
        };
        ProviderServices.AddFastRetry(settings, KieOptions.SectionName);
        configure?.Invoke(settings);
        var services = ProviderServices.Build(settings, (s, c) => s.AddKieProvider(c));
        lock (providers)
        {
            providers.Add(services);
        }

        return services.GetRequiredService<KieProvider>();
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
