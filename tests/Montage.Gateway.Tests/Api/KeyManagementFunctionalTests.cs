using System.Net;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Api;

/// <summary>Admin key management: listing keys without secrets, revoking them (refused at once), and refusals.</summary>
[Collection(GatewayCollection.Name)]
public sealed class KeyManagementFunctionalTests(GatewayFixture fixture)
{
    [Fact]
    public async Task The_admin_lists_keys_of_an_owner_without_any_secret()
    {
        using var tenant = await fixture.NewTenantAsync(requestsPerMinute: 500);
        using var admin = fixture.CreateClient(GatewayFixture.AdminKey);
        using var response = await admin.GetAsync($"/v1/keys?owner={tenant.Owner}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(tenant.Key, text, StringComparison.Ordinal);

        var page = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("list", page["object"]!.GetValue<string>());
        var key = Assert.Single(page["data"]!.AsArray())!.AsObject();
        Assert.Equal(tenant.Owner, key["owner"]!.GetValue<string>());
        Assert.Equal(tenant.Key[..10], key["label"]!.GetValue<string>());
        Assert.Equal(500, key["requests_per_minute"]!.GetValue<int>());
        Assert.False(key.ContainsKey("key"));
        Assert.False(key.ContainsKey("revoked_at"));
    }

    [Fact]
    public async Task Listing_pages_with_a_cursor_without_repeats()
    {
        var owner = "paged-" + Guid.NewGuid().ToString("N")[..12];
        using var admin = fixture.CreateClient(GatewayFixture.AdminKey);
        for (var i = 0; i < 3; i++)
        {
            using var created = await admin.PostAsync("/v1/keys", ApiTestData.Json(new JsonObject { ["owner"] = owner, ["name"] = $"key {i}" }));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var first = JsonNode.Parse(await admin.GetStringAsync($"/v1/keys?owner={owner}&limit=2"))!;
        var cursor = first["next_cursor"]!.GetValue<string>();
        var second = JsonNode.Parse(await admin.GetStringAsync($"/v1/keys?owner={owner}&limit=2&cursor={cursor}"))!;
        var names = first["data"]!.AsArray().Concat(second["data"]!.AsArray()).Select(k => k!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["key 0", "key 1", "key 2"], names);
        Assert.Null(second["next_cursor"]);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_once_even_after_a_cached_success()
    {
        using var tenant = await fixture.NewTenantAsync();
        using (var before = await tenant.Client.GetAsync("/v1/jobs"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var admin = fixture.CreateClient(GatewayFixture.AdminKey);
        var id = await KeyIdAsync(admin, tenant.Owner);
        using var revoke = await admin.DeleteAsync($"/v1/keys/{id}");
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        var revoked = JsonNode.Parse(await revoke.Content.ReadAsStringAsync())!;
        Assert.Equal(id, revoked["id"]!.GetValue<string>());
        Assert.NotNull(revoked["revoked_at"]);

        using var after = await tenant.Client.GetAsync("/v1/jobs");
        await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Unauthorized, "invalid_api_key");

        // Revoking again is harmless and keeps the first revocation time.
        using var again = await admin.DeleteAsync($"/v1/keys/{id}");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(revoked["revoked_at"]!.GetValue<string>(), JsonNode.Parse(await again.Content.ReadAsStringAsync())!["revoked_at"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("0190f0f0f0f0f0f0f0f0f0f0f0f0f0f0")]
    [InlineData("not-a-key-id")]
    public async Task Revoking_an_unknown_key_is_404(string id)
    {
        using var admin = fixture.CreateClient(GatewayFixture.AdminKey);
        using var response = await admin.DeleteAsync($"/v1/keys/{id}");
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "key_not_found");
    }

    [Theory]
    [InlineData("/v1/keys?limit=0", "limit")]
    [InlineData("/v1/keys?cursor=nope", "cursor")]
    [InlineData("/v1/keys?colour=blue", "colour")]
    public async Task A_bad_listing_query_is_400_with_the_field(string path, string field)
    {
        using var admin = fixture.CreateClient(GatewayFixture.AdminKey);
        using var response = await admin.GetAsync(path);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_query");
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field));
    }

    [Fact]
    public async Task A_tenant_key_can_neither_list_nor_revoke_keys()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var admin = fixture.CreateClient(GatewayFixture.AdminKey);
        var id = await KeyIdAsync(admin, tenant.Owner);
        using var list = await tenant.Client.GetAsync("/v1/keys");
        await ProblemAssert.IsProblemAsync(list, HttpStatusCode.Forbidden, "forbidden");
        using var revoke = await tenant.Client.DeleteAsync($"/v1/keys/{id}");
        await ProblemAssert.IsProblemAsync(revoke, HttpStatusCode.Forbidden, "forbidden");
        using var still = await tenant.Client.GetAsync("/v1/jobs");
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_describes_listing_and_revoking()
    {
        using var client = fixture.CreateClient();
        var paths = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!["paths"]!.AsObject();
        Assert.NotNull(paths["/v1/keys"]!["get"]);
        Assert.NotNull(paths["/v1/keys"]!["post"]);
        Assert.NotNull(paths["/v1/keys/{id}"]!["delete"]);
    }

    private static async Task<string> KeyIdAsync(HttpClient admin, string owner) =>
        Assert.Single(JsonNode.Parse(await admin.GetStringAsync($"/v1/keys?owner={owner}"))!["data"]!.AsArray())!["id"]!.GetValue<string>();
}
