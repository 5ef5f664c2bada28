extern alias apphost;
using System.Net.Http.Headers;
using Montage.FakeProviders;
using Montage.Hosting;
using Montage.Hosting.ApplicationModel;
using Montage.Hosting.Testing;

namespace Montage.Gateway.Tests.EndToEnd;

/// <summary>
/// The whole AppHost topology (apphost::Program.BuildModel), started once for the end-to-end collection, with a fake
/// fal standing in for fal.ai. fal is configured the way a user configures it, through the AppHost's configuration
/// (FAL_KEY and <c>Providers:Fal:*</c>, which the AppHost forwards to every service). Three settings are test-only:
/// the workers send webhooks to this run's gateway (its port is only known at run time), they poll a webhook-backed
/// request only once an hour (so a fal job that ends within a test's deadline was woken by its webhook), and the asset
/// store may import from 127.0.0.2, where the fake fal (and so its CDN) listens.
/// </summary>
public sealed class EndToEndSystemFixture : IAsyncLifetime
{
    /// <summary>The generation services; all of them send webhooks to the gateway, as in a deployment with a public URL.</summary>
    private static readonly string[] Workers = ["images", "compositing", "videos"];

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>The fake fal on 127.0.0.2: queue API, storage uploads, CDN, JWKS and signed webhooks.</summary>
    public FakeFal Fal { get; private set; } = null!;

    /// <summary>The gateway's HTTP endpoint, where clients and provider webhooks arrive.</summary>
    public Uri GatewayUrl => App.GetEndpoint("gateway", "http");

    public async Task InitializeAsync()
    {
        Fal = await FakeFal.StartAsync(ImportOrigin.Address);
        App = await DistributedApplicationTestingBuilder.CreateAsync(AddModel);
        await App.WaitForAllHealthyAsync(TimeSpan.FromMinutes(6));
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Fal.DisposeAsync();
    }

    /// <summary>A client of the gateway with the development key the AppHost generated (the one <c>./run.sh</c> prints).</summary>
    public HttpClient CreateDevClient()
    {
        var secret = File.ReadAllText(Path.Combine(App.DataDirectory, "secrets", "gateway-dev.key")).Trim();
        var key = secret.StartsWith("mk_", StringComparison.Ordinal) ? secret : "mk_dev_" + secret.Replace('+', '-').Replace('/', '_').TrimEnd('=');
        var client = new HttpClient { BaseAddress = GatewayUrl, Timeout = TimeSpan.FromMinutes(3) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private void AddModel(IDistributedApplicationBuilder builder)
    {
        builder.Configuration["FAL_KEY"] = Fal.ApiKey;
        builder.Configuration["Providers:Fal:QueueUrl"] = Fal.QueueUrl.AbsoluteUri;
        builder.Configuration["Providers:Fal:RestUrl"] = Fal.RestUrl.AbsoluteUri;
        builder.Configuration["Providers:Fal:JwksUrl"] = Fal.JwksUrl.AbsoluteUri;

        apphost::Program.BuildModel(builder);

        var gateway = Resource(builder, "gateway");
        foreach (var worker in Workers)
        {
            Resource(builder, worker)
                .WithEnvironment(context => context.Environment["Gateway__PublicUrl"] = context.Values.Url(gateway.Resource, "http", 0))
                .WithEnvironment("Generation__WebhookPollInterval", "01:00:00");
        }

        Resource(builder, "assets").WithEnvironment("AssetStorage__ImportAllowlist__0", ImportOrigin.Address + "/32");
    }

    private static IResourceBuilder<ProjectResource> Resource(IDistributedApplicationBuilder builder, string name) =>
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == name));
}

[CollectionDefinition(Name)]
public sealed class EndToEndSystemCollection : ICollectionFixture<EndToEndSystemFixture>
{
    public const string Name = "EndToEndSystem";
}
