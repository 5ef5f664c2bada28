using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Montage.Clients;
using Montage.Contracts.Assets.V1;
using Montage.Gateway.Tests.Assets;
using Montage.Gateway.Tests.Infrastructure;
using Montage.Grpc;
using Montage.Grpc.Client;
using Xunit.Abstractions;

namespace Montage.Gateway.Tests.Forwarding;

/// <summary>
/// AssetStore.Upload (a client stream) through the gateway's h2c endpoint with an API key, against the real asset
/// store: the owner is the key's, large uploads stream through with flat gateway memory, a canceled upload leaves
/// nothing, and broken or owner-naming streams get precise statuses.
/// </summary>
[Collection(AssetsGatewayCollection.Name)]
public sealed class GrpcUploadForwardingFunctionalTests(AssetsGatewayFixture fixture, ITestOutputHelper output)
{
    private static readonly Method<UploadRequest, Asset> UploadMethod = Method<UploadRequest, Asset>.FromDescriptor(AssetStoreClient.Service.FindMethodByName("Upload"));

    private Uri GrpcEndpoint => fixture.Gateway.App.GetEndpoint(GatewayFixture.GatewayName, "grpc");

    private static UploadMetadata Metadata(string owner, string name = "upload.bin") =>
        new() { Owner = owner, Name = name, ContentType = "application/octet-stream" };

    [Fact]
    public async Task An_upload_is_owned_by_the_keys_owner_even_when_the_metadata_names_another_and_claims_no_jobs_output()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var victim = await fixture.NewTenantAsync();
        using var channel = GatewayGrpcClients.Channel(GrpcEndpoint, tenant.Key);
        var bytes = AssetTestMedia.Random((3 * 1024 * 1024) + 17);

        var metadata = Metadata(victim.Owner);
        metadata.Source = new AssetSource { JobId = "job_of_someone_else", Provider = "fal" };

        var asset = await new AssetStoreClient(channel.CreateCallInvoker()).UploadAsync(metadata, new MemoryStream(bytes));

        Assert.Equal(tenant.Owner, asset.Owner);
        Assert.Equal("upload", asset.Source.Type);
        Assert.Equal("", asset.Source.JobId);
        Assert.Equal(AssetTestMedia.Sha256(bytes), asset.Sha256);
        Assert.Equal(bytes.Length, asset.SizeBytes);
        var mine = await fixture.Gateway.Assets.StatAsync(new StatAssetRequest { AssetId = asset.Id, Owner = tenant.Owner });
        Assert.Equal(asset.Id, mine.Id);
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Gateway.Assets.StatAsync(new StatAssetRequest { AssetId = asset.Id, Owner = victim.Owner }));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(0, await AssetsGatewayFixture.CountAssetsAsync(victim.Client));
    }

    [Fact]
    public async Task A_large_upload_arrives_intact_while_the_gateways_memory_stays_flat()
    {
        const long Size = 256L * 1024 * 1024;
        using var tenant = await fixture.NewTenantAsync();
        using var channel = GatewayGrpcClients.Channel(GrpcEndpoint, tenant.Key);
        var client = new AssetStoreClient(channel.CreateCallInvoker());

        // Warm-up through the same path, so start-up allocations (JIT, connections, pools) are behind the baseline.
        using (var warmUp = new GeneratedUploadContent(16L * 1024 * 1024))
        {
            await client.UploadAsync(Metadata(tenant.Owner, "warm-up.bin"), warmUp);
        }

        using var rss = GatewayRss.Start(fixture.Gateway.App.GetProcessIds(GatewayFixture.GatewayName)[0]);
        var baseline = await rss.SampleAsync();
        using var content = new GeneratedUploadContent(Size);
        var started = DateTime.UtcNow;
        var asset = await client.UploadAsync(Metadata(tenant.Owner, "large.bin"), content);
        var elapsed = DateTime.UtcNow - started;
        var peak = await rss.StopAsync();

        Assert.Equal(Size, asset.SizeBytes);
        Assert.Equal(content.Sha256(), asset.Sha256);
        Assert.Equal(tenant.Owner, asset.Owner);
        var growth = peak - baseline;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Size >> 20} MiB in {elapsed.TotalSeconds:F1} s ({(Size >> 20) / elapsed.TotalSeconds:F0} MiB/s); gateway RSS {baseline >> 20} MiB before, peak {peak >> 20} MiB ({growth >> 20} MiB growth, {rss.Samples} samples)"));

        // Buffering any sizable part of the body would show as hundreds of MiB; a streaming relay stays within its
        // buffers and the GC's working room.
        Assert.True(growth < 64L * 1024 * 1024, $"the gateway's RSS grew by {growth >> 20} MiB during a {Size >> 20} MiB upload");
    }

    [Fact]
    public async Task Canceling_an_upload_midway_leaves_no_asset()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var channel = GatewayGrpcClients.Channel(GrpcEndpoint, tenant.Key);
        using var content = new GeneratedUploadContent(64L * 1024 * 1024, pauseAfterBytes: 8L * 1024 * 1024);
        using var cancel = new CancellationTokenSource();

        var upload = new AssetStoreClient(channel.CreateCallInvoker()).UploadAsync(Metadata(tenant.Owner, "canceled.bin"), content, cancel.Token);
        await content.Paused.WaitAsync(TimeSpan.FromMinutes(2));

        // The bytes sent so far went through the gateway into the store's temp file before the client gives up.
        await GatewayTestWait.UntilAsync(() => Task.FromResult(LargestPartFile() >= 4L * 1024 * 1024), "the first bytes to reach the store's temp file");
        await cancel.CancelAsync();

        var error = await Record.ExceptionAsync(() => upload);
        Assert.True(error is OperationCanceledException || error is RpcException { StatusCode: StatusCode.Cancelled }, $"the upload ended with {error}");
        await GatewayTestWait.UntilAsync(() => Task.FromResult(LargestPartFile() < 0), "the store to drop the canceled upload's temp file");
        Assert.Equal(0, await AssetsGatewayFixture.CountAssetsAsync(tenant.Client));
        var listed = await fixture.Gateway.Assets.ListAsync(new ListAssetsRequest { Owner = tenant.Owner });
        Assert.Empty(listed.Assets);
    }

    [Fact]
    public async Task A_first_message_that_is_not_the_metadata_is_invalid_argument()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var channel = GatewayGrpcClients.Channel(GrpcEndpoint, tenant.Key);
        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(UploadMethod, null, new CallOptions(deadline: DateTime.UtcNow.AddMinutes(2)));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(new UploadRequest { Chunk = ByteString.CopyFrom(AssetTestMedia.Random(1024)) });
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("must carry metadata", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await AssetsGatewayFixture.CountAssetsAsync(tenant.Client));
    }

    [Fact]
    public async Task An_empty_upload_stream_is_invalid_argument()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var channel = GatewayGrpcClients.Channel(GrpcEndpoint, tenant.Key);
        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(UploadMethod, null, new CallOptions(deadline: DateTime.UtcNow.AddMinutes(2)));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task An_oversize_first_message_is_resource_exhausted()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var channel = GatewayGrpcClients.Channel(GrpcEndpoint, tenant.Key);
        var metadata = Metadata(tenant.Owner);
        metadata.Tags.Add(new string('t', 5 * 1024 * 1024));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            new AssetStoreClient(channel.CreateCallInvoker()).UploadAsync(metadata, new MemoryStream(AssetTestMedia.Random(1024))));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(0, await AssetsGatewayFixture.CountAssetsAsync(tenant.Client));
    }

    [Fact]
    public async Task A_later_message_naming_an_owner_is_refused_by_the_gateway_and_nothing_is_stored()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var victim = await fixture.NewTenantAsync();
        using var channel = GatewayGrpcClients.Channel(GrpcEndpoint, tenant.Key);
        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(UploadMethod, null, new CallOptions(deadline: DateTime.UtcNow.AddMinutes(2)));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(new UploadRequest { Metadata = Metadata(tenant.Owner) });
            await call.RequestStream.WriteAsync(new UploadRequest { Chunk = ByteString.CopyFrom(AssetTestMedia.Random(256 * 1024)) });
            await call.RequestStream.WriteAsync(new UploadRequest { Metadata = Metadata(victim.Owner) });
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("Only the first message", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await AssetsGatewayFixture.CountAssetsAsync(tenant.Client));
        Assert.Equal(0, await AssetsGatewayFixture.CountAssetsAsync(victim.Client));
    }

    /// <summary>Hand-made request bodies: the first frame's header, or a valid first message followed by a broken frame.</summary>
    [Theory]
    [InlineData("invalid compressed flag", "0700000001" + "00", StatusCode.Internal)]
    [InlineData("stream ends inside the first header", "000000", StatusCode.Internal)]
    [InlineData("stream ends inside the first message", "000000000a" + "0a02", StatusCode.Internal)]
    [InlineData("compressed first message", "0100000002" + "0a00", StatusCode.Unimplemented)]
    [InlineData("first message is not protobuf", "0000000003" + "ffffff", StatusCode.Internal)]
    [InlineData("first message over 4 MiB by its header", "0000500000", StatusCode.ResourceExhausted)]
    [InlineData("later frame with an invalid flag", "META" + "0900000002" + "1200", StatusCode.Internal)]
    [InlineData("later frame cut short", "META" + "0000000010" + "1204abcd", StatusCode.Internal)]
    [InlineData("later field running past its message", "META" + "0000000004" + "12100000", StatusCode.Internal)]
    [InlineData("later message with a group", "META" + "0000000002" + "1b1c", StatusCode.Internal)]
    public async Task A_malformed_stream_gets_a_precise_status(string description, string hex, StatusCode expected)
    {
        using var tenant = await fixture.NewTenantAsync();
        var first = new UploadRequest { Metadata = Metadata(tenant.Owner, "raw.bin") }.ToByteArray();
        var firstFrame = Convert.ToHexString([0, .. BigEndian((uint)first.Length), .. first]);
        using var http = GatewayGrpcClients.RawHttp2(GrpcEndpoint);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/montage.assets.v1.AssetStore/Upload")
        {
            Content = new ByteArrayContent(Convert.FromHexString(hex.Replace("META", firstFrame, StringComparison.Ordinal))),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.Key);

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await response.Content.CopyToAsync(Stream.Null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = response.Headers.TryGetValues("grpc-status", out var inHeaders) ? inHeaders.Single()
            : response.TrailingHeaders.TryGetValues("grpc-status", out var inTrailers) ? inTrailers.Single() : null;
        Assert.True(status == ((int)expected).ToString(CultureInfo.InvariantCulture), $"{description}: grpc-status {status ?? "missing"}, expected {(int)expected} ({expected})");
        Assert.Equal(0, await AssetsGatewayFixture.CountAssetsAsync(tenant.Client));
    }

    private static byte[] BigEndian(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    /// <summary>Size of the largest upload in progress in the store, or -1 when there is none.</summary>
    private long LargestPartFile()
    {
        if (!Directory.Exists(fixture.StoreTempDir))
        {
            return -1;
        }

        long largest = -1;
        foreach (var path in Directory.EnumerateFiles(fixture.StoreTempDir, "*.part"))
        {
            try
            {
                largest = Math.Max(largest, new FileInfo(path).Length);
            }
            catch (FileNotFoundException)
            {
                // Finished or removed meanwhile.
            }
        }

        return largest;
    }
}
