using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Montage.FakeProviders;
using Montage.Gateway.Tests.Infrastructure;
using Montage.Hosting;
using Montage.Hosting.ApplicationModel;

namespace Montage.Gateway.Tests.Assets;

/// <summary>
/// The whole gateway system with a small upload limit, so that the limit itself can be crossed in a test, plus an
/// import origin on 127.0.0.2 (the address the asset store's import allowlist names). Tests isolate themselves by
/// tenant.
/// </summary>
public sealed class AssetsGatewayFixture : IAsyncLifetime
{
    public const long MaxUploadBytes = 32L * 1024 * 1024;

    public GatewayFixture Gateway { get; } = new LimitedUploadsGateway();

    public ImportOrigin Origin { get; private set; } = null!;

    /// <summary>Where the asset store keeps uploads in progress (<c>*.part</c> files).</summary>
    public string StoreTempDir => Path.Combine(Gateway.DataDir, "assets", "tmp");

    public async Task InitializeAsync()
    {
        Origin = await ImportOrigin.StartAsync();
        await Gateway.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Origin.DisposeAsync();
    }

    public Task<Tenant> NewTenantAsync() => Gateway.NewTenantAsync();

    /// <summary>Uploads <paramref name="bytes"/> as a raw body and returns the asset JSON.</summary>
    public static async Task<JsonObject> UploadAsync(HttpClient client, byte[] bytes, string contentType, string query = "")
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await client.PostAsync("/v1/assets" + query, content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"upload answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Number of assets the tenant can list.</summary>
    public static async Task<int> CountAssetsAsync(HttpClient client)
    {
        var page = JsonNode.Parse(await client.GetStringAsync("/v1/assets?limit=500"))!;
        return page["data"]!.AsArray().Count;
    }

    private sealed class LimitedUploadsGateway : GatewayFixture
    {
        protected override void ConfigureGateway(IResourceBuilder<ProjectResource> gateway)
        {
            base.ConfigureGateway(gateway);
            gateway.WithEnvironment("Gateway__Assets__MaxUploadBytes", MaxUploadBytes.ToString(CultureInfo.InvariantCulture));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AssetsGatewayCollection : ICollectionFixture<AssetsGatewayFixture>
{
    public const string Name = "GatewayAssets";
}
