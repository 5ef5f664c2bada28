using Montage.Contracts.Assets.V1;
using Montage.Grpc;

namespace Montage.AssetStorage.Tests;

/// <summary>
/// ImportFromUrl against real HTTP servers. The origin on 127.0.0.2 is allowlisted; the fakes on 127.0.0.1 are real,
/// listening servers that an import must still refuse to reach (loopback).
/// </summary>
[Collection(AssetStorageCollection.Name)]
public sealed class ImportFunctionalTests(AssetStorageFixture fixture)
{
    private AssetStoreClient Client => fixture.Client;

    private Task<Asset> ImportAsync(string url, string owner, long maxBytes = 0, AssetSource? source = null) =>
        Client.ImportAsync(new ImportFromUrlRequest { Url = url, Owner = owner, Name = "imported", MaxBytes = maxBytes, Source = source });

    [Fact]
    public async Task Imports_a_provider_output_and_keeps_the_url_without_its_query()
    {
        var owner = AssetStorageFixture.NewOwner();
        var png = await TestMedia.UniquePngAsync();
        var url = fixture.Origin.Add("out-" + Guid.NewGuid().ToString("N") + ".png", png, "image/png") + "?signature=secret";

        var asset = await ImportAsync(url, owner, source: new AssetSource { JobId = "job-1", Provider = "fal" });

        Assert.Equal(AssetKind.Image, asset.Kind);
        Assert.Equal(TestMedia.Sha256(png), asset.Sha256);
        Assert.Equal("job_output", asset.Source.Type);
        Assert.Equal("job-1", asset.Source.JobId);
        Assert.Equal(url[..url.IndexOf('?', StringComparison.Ordinal)], asset.Source.Url);
        Assert.Equal(png, await Client.DownloadBytesAsync(asset.Id, owner));
    }

    [Fact]
    public async Task Follows_redirects_within_the_allowlist()
    {
        var owner = AssetStorageFixture.NewOwner();
        var bytes = TestMedia.Random(70_000);
        var target = fixture.Origin.Add("r-" + Guid.NewGuid().ToString("N"), bytes, "application/octet-stream");

        var asset = await ImportAsync(fixture.Origin.Url("/redirect?to=" + Uri.EscapeDataString(target)), owner);

        Assert.Equal("import", asset.Source.Type);
        Assert.Equal(bytes, await Client.DownloadBytesAsync(asset.Id, owner));
    }

    public static TheoryData<string> ForbiddenUrls => new()
    {
        "http://127.0.0.1:{fal}/fal/cdn/files/x/y.png",
        "http://localhost:{fal}/fal/cdn/files/x/y.png",
        "http://vm:{fal}/",
        "http://[::1]:{fal}/",
        "http://[::ffff:127.0.0.1]:{fal}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/file.png",
        "http://192.168.1.1/file.png",
        "http://100.64.0.1/file.png",
        "http://[fd00::1]/file.png",
        "http://0.0.0.0:{fal}/",
        "redirect:http://127.0.0.1:{fal}/fal/cdn/files/x/y.png",
        "redirect:http://169.254.169.254/latest/meta-data/",
        "redirect:http://localhost:{fal}/",
    };

    [Theory]
    [MemberData(nameof(ForbiddenUrls))]
    public async Task Refuses_loopback_private_link_local_and_metadata_addresses(string template)
    {
        var owner = AssetStorageFixture.NewOwner();
        var url = template.Replace("{fal}", fixture.Fal.BaseUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        if (url.StartsWith("redirect:", StringComparison.Ordinal))
        {
            url = fixture.Origin.Url("/redirect?to=" + Uri.EscapeDataString(url["redirect:".Length..]));
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => ImportAsync(url, owner));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("not allowed", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await fixture.ScalarAsync("SELECT count(*) FROM assets WHERE owner = @o", ("o", owner)));
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://example.com/x")]
    [InlineData("gopher://127.0.0.2/")]
    [InlineData("not a url")]
    [InlineData("http://user:pass@127.0.0.2/x")]
    public async Task Refuses_other_schemes_and_malformed_urls(string url)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ImportAsync(url, AssetStorageFixture.NewOwner()));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task Remote_errors_map_to_precise_statuses()
    {
        var owner = AssetStorageFixture.NewOwner();
        var missing = await Assert.ThrowsAsync<RpcException>(() => ImportAsync(fixture.Origin.Url("/files/none-" + Guid.NewGuid().ToString("N")), owner));
        Assert.Equal(StatusCode.FailedPrecondition, missing.StatusCode);

        var before = fixture.Origin.Hits("status");
        var failing = await Assert.ThrowsAsync<RpcException>(() => ImportAsync(fixture.Origin.Url("/status/503"), owner));
        Assert.Equal(StatusCode.Unavailable, failing.StatusCode);
        Assert.Equal(3, fixture.Origin.Hits("status") - before);

        var big = fixture.Origin.Add("big-" + Guid.NewGuid().ToString("N"), TestMedia.Random(100_000), "application/octet-stream");
        var tooBig = await Assert.ThrowsAsync<RpcException>(() => ImportAsync(big, owner, maxBytes: 50_000));
        Assert.Equal(StatusCode.ResourceExhausted, tooBig.StatusCode);

        var notAnImage = fixture.Origin.Add("fake-" + Guid.NewGuid().ToString("N") + ".png", TestMedia.Random(5000), "image/png");
        var invalid = await Assert.ThrowsAsync<RpcException>(() => ImportAsync(notAnImage, owner));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Equal(0, await fixture.ScalarAsync("SELECT count(*) FROM assets WHERE owner = @o", ("o", owner)));
        Assert.Empty(Directory.GetFiles(fixture.TempDir));
    }
}
