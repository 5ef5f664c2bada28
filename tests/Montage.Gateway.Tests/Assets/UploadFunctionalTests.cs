using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Assets;

/// <summary>POST /v1/assets against the real gateway and asset store: raw and multipart, streaming, limits and refusals.</summary>
[Collection(AssetsGatewayCollection.Name)]
public sealed class UploadFunctionalTests(AssetsGatewayFixture fixture)
{
    [Fact]
    public async Task Raw_png_upload_answers_201_with_the_probed_asset()
    {
        using var tenant = await fixture.NewTenantAsync();
        var png = await AssetTestMedia.UniquePngAsync(80, 60);
        using var content = new ByteArrayContent(png);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var response = await tenant.Client.PostAsync("/v1/assets?name=frame.png&tag=portrait&tags=hero,%20day", content);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var asset = JsonNode.Parse(text)!;
        var id = asset["id"]!.GetValue<string>();
        Assert.StartsWith("ast_", id, StringComparison.Ordinal);
        Assert.Equal($"/v1/assets/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("frame.png", asset["name"]!.GetValue<string>());
        Assert.Equal("image/png", asset["content_type"]!.GetValue<string>());
        Assert.Equal("image", asset["kind"]!.GetValue<string>());
        Assert.Equal(png.Length, asset["size"]!.GetValue<long>());
        Assert.Equal(AssetTestMedia.Sha256(png), asset["sha256"]!.GetValue<string>());
        Assert.Equal(80, asset["media"]!["width"]!.GetValue<int>());
        Assert.Equal(60, asset["media"]!["height"]!.GetValue<int>());
        Assert.Equal(["day", "hero", "portrait"], asset["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal("upload", asset["source"]!["type"]!.GetValue<string>());
        Assert.True(asset["created_at"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal($"/v1/assets/{id}/content", asset["links"]!["content"]!.GetValue<string>());

        var fetched = JsonNode.Parse(await tenant.Client.GetStringAsync($"/v1/assets/{id}"))!;
        Assert.Equal(asset.ToJsonString(), fetched.ToJsonString());
    }

    [Fact]
    public async Task Raw_upload_of_octet_stream_is_sniffed_and_named_from_X_Filename()
    {
        using var tenant = await fixture.NewTenantAsync();
        var png = await AssetTestMedia.UniquePngAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/assets") { Content = new ByteArrayContent(png) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add("X-Filename", "from-header.png");
        using var response = await tenant.Client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var asset = JsonNode.Parse(text)!;
        Assert.Equal("from-header.png", asset["name"]!.GetValue<string>());
        Assert.Equal("image/png", asset["content_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Multipart_upload_takes_name_and_tags_from_the_fields_before_the_file()
    {
        using var tenant = await fixture.NewTenantAsync();
        var png = await AssetTestMedia.UniquePngAsync();
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("scene-1.png"), "name");
        form.Add(new StringContent("a,b"), "tags");
        form.Add(new StringContent("c"), "tag");
        var file = new ByteArrayContent(png);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "file", "C:\\Users\\me\\original.png");
        using var response = await tenant.Client.PostAsync("/v1/assets", form);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var asset = JsonNode.Parse(text)!;
        Assert.Equal("scene-1.png", asset["name"]!.GetValue<string>());
        Assert.Equal(["a", "b", "c"], asset["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(AssetTestMedia.Sha256(png), asset["sha256"]!.GetValue<string>());
    }

    [Fact]
    public async Task Multipart_file_name_names_the_asset_without_its_client_path()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(await AssetTestMedia.UniquePngAsync());
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "file", "C:\\Users\\me\\original.png");
        using var response = await tenant.Client.PostAsync("/v1/assets", form);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        Assert.Equal("original.png", JsonNode.Parse(text)!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task A_large_upload_reaches_the_store_while_the_client_is_still_sending(bool multipart, bool declareLength)
    {
        using var tenant = await fixture.NewTenantAsync();
        var bytes = AssetTestMedia.Random(24 * 1024 * 1024);
        var body = new PausingContent(bytes, declareLength);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        HttpContent content = body;
        if (multipart)
        {
            var form = new MultipartFormDataContent { { body, "file", "big.bin" } };
            content = form;
        }

        using (content)
        {
            var upload = tenant.Client.PostAsync("/v1/assets?name=big.bin", content);
            await body.FirstHalfSent.WaitAsync(TimeSpan.FromMinutes(2));

            // The client holds back the second half until the store has written most of the first: only a gateway
            // that relays chunks as they arrive (instead of buffering the body) lets that happen.
            var half = bytes.Length / 2;
            await EventuallyAsync(() => LargestPartFile() >= half - (1024 * 1024), "the first half to reach the store's temp file");
            Assert.False(upload.IsCompleted, "the upload finished before the client sent its second half");
            body.Resume();

            using var response = await upload.WaitAsync(TimeSpan.FromMinutes(3));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, text);
            var asset = JsonNode.Parse(text)!;
            Assert.Equal(bytes.Length, asset["size"]!.GetValue<long>());
            Assert.Equal(AssetTestMedia.Sha256(bytes), asset["sha256"]!.GetValue<string>());
            Assert.Equal("other", asset["kind"]!.GetValue<string>());

            var downloaded = await tenant.Client.GetByteArrayAsync($"/v1/assets/{asset["id"]}/content");
            Assert.Equal(AssetTestMedia.Sha256(bytes), AssetTestMedia.Sha256(downloaded));
        }
    }

    [Fact]
    public async Task An_upload_one_byte_over_the_limit_is_refused_with_413_and_nothing_is_stored()
    {
        using var tenant = await fixture.NewTenantAsync();
        var atLimit = AssetTestMedia.Random((int)AssetsGatewayFixture.MaxUploadBytes);
        var asset = await AssetsGatewayFixture.UploadAsync(tenant.Client, atLimit, "application/octet-stream");
        Assert.Equal(AssetsGatewayFixture.MaxUploadBytes, asset["size"]!.GetValue<long>());

        // Chunked (no Content-Length): the gateway finds out by counting.
        using var content = new PausingContent(AssetTestMedia.Random((int)AssetsGatewayFixture.MaxUploadBytes + 1), declareLength: false);
        content.Resume();
        using var response = await tenant.Client.PostAsync("/v1/assets", content);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(1, await AssetsGatewayFixture.CountAssetsAsync(tenant.Client));
    }

    [Fact]
    public async Task A_multipart_file_over_the_limit_is_refused_with_413()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var form = new MultipartFormDataContent();
        var file = new PausingContent(AssetTestMedia.Random((int)AssetsGatewayFixture.MaxUploadBytes + 1), declareLength: false);
        file.Resume();
        form.Add(file, "file", "too-big.bin");
        using var response = await tenant.Client.PostAsync("/v1/assets", form);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(0, await AssetsGatewayFixture.CountAssetsAsync(tenant.Client));
    }

    [Fact]
    public async Task A_declared_Content_Length_over_the_limit_is_refused_before_the_body_is_read()
    {
        using var tenant = await fixture.NewTenantAsync();
        var address = fixture.Gateway.BaseAddress;
        using var socket = new TcpClient();
        await socket.ConnectAsync(address.Host, address.Port);
        var stream = socket.GetStream();
        var head = $"POST /v1/assets HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {tenant.Key}\r\n"
            + $"Content-Type: application/octet-stream\r\nContent-Length: {AssetsGatewayFixture.MaxUploadBytes + 1}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));

        // No body byte is ever sent: the answer can only come from the declared length.
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.StartsWith("HTTP/1.1 413", statusLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Content_that_is_not_what_it_claims_is_refused_with_422()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var content = new ByteArrayContent(AssetTestMedia.Random(4096));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var response = await tenant.Client.PostAsync("/v1/assets", content);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, "invalid_content");
    }

    [Fact]
    public async Task A_wrong_X_Content_SHA256_is_refused_and_nothing_is_stored()
    {
        using var tenant = await fixture.NewTenantAsync();
        var bytes = AssetTestMedia.Random(10_000);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/assets") { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("X-Content-SHA256", AssetTestMedia.Sha256(AssetTestMedia.Random(16)));
        using var response = await tenant.Client.SendAsync(request);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, "checksum_mismatch");
        Assert.Equal(0, await AssetsGatewayFixture.CountAssetsAsync(tenant.Client));

        using var good = new HttpRequestMessage(HttpMethod.Post, "/v1/assets") { Content = new ByteArrayContent(bytes) };
        good.Headers.Add("X-Content-SHA256", AssetTestMedia.Sha256(bytes).ToUpperInvariant());
        using var accepted = await tenant.Client.SendAsync(good);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [Fact]
    public async Task Every_invalid_parameter_is_reported_at_once()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/assets?name=" + new string('n', 300) + "&tag=%20") { Content = new ByteArrayContent([]) };
        request.Headers.Add("X-Content-SHA256", "not-a-hash");
        using var response = await tenant.Client.SendAsync(request);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("name"), problem.ToJsonString());
        Assert.True(errors.ContainsKey("tags"), problem.ToJsonString());
        Assert.True(errors.ContainsKey("X-Content-SHA256"), problem.ToJsonString());
        Assert.True(errors.ContainsKey("body"), problem.ToJsonString());
    }

    [Fact]
    public async Task A_form_without_a_file_is_refused()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var form = new MultipartFormDataContent { { new StringContent("x.png"), "name" } };
        using var response = await tenant.Client.PostAsync("/v1/assets", form);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.True(problem["errors"]!.AsObject().ContainsKey("file"), problem.ToJsonString());
    }

    [Fact]
    public async Task A_form_with_an_unknown_field_is_refused()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var form = new MultipartFormDataContent { { new StringContent("1"), "colour" }, { new ByteArrayContent(AssetTestMedia.Random(100)), "file", "a.bin" } };
        using var response = await tenant.Client.PostAsync("/v1/assets", form);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.True(problem["errors"]!.AsObject().ContainsKey("colour"), problem.ToJsonString());
    }

    [Fact]
    public async Task A_part_after_the_file_fails_the_upload_and_stores_nothing()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(AssetTestMedia.Random(100_000)), "file", "a.bin" },
            { new ByteArrayContent(AssetTestMedia.Random(100)), "file2", "b.bin" },
        };
        using var response = await tenant.Client.PostAsync("/v1/assets", form);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal(0, await AssetsGatewayFixture.CountAssetsAsync(tenant.Client));
    }

    [Fact]
    public async Task A_multipart_body_cut_short_is_refused_with_400()
    {
        using var tenant = await fixture.NewTenantAsync();
        var body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n" + new string('x', 5000);
        using var content = new StringContent(body, Encoding.ASCII);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
        using var response = await tenant.Client.PostAsync("/v1/assets", content);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(0, await AssetsGatewayFixture.CountAssetsAsync(tenant.Client));
    }

    [Fact]
    public async Task Multipart_without_a_boundary_is_refused()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var content = new ByteArrayContent(AssetTestMedia.Random(10));
        content.Headers.ContentType = new MediaTypeHeaderValue("multipart/form-data");
        using var response = await tenant.Client.PostAsync("/v1/assets", content);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Uploading_needs_an_API_key()
    {
        using var anonymous = fixture.Gateway.CreateClient();
        using var content = new ByteArrayContent(AssetTestMedia.Random(10));
        using var response = await anonymous.PostAsync("/v1/assets", content);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    private long LargestPartFile()
    {
        if (!Directory.Exists(fixture.StoreTempDir))
        {
            return 0;
        }

        long largest = 0;
        foreach (var path in Directory.EnumerateFiles(fixture.StoreTempDir, "*.part"))
        {
            var file = new FileInfo(path);
            file.Refresh();
            if (file.Exists)
            {
                largest = Math.Max(largest, file.Length);
            }
        }

        return largest;
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for " + what);
            await Task.Delay(100);
        }
    }
}
