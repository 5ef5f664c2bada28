using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Api;

/// <summary>API keys: bearer keys with an owner, the bootstrap admin key creating keys, and problems for every refusal.</summary>
[Collection(GatewayCollection.Name)]
public sealed class AuthFunctionalTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_request_without_a_key_is_refused_with_a_problem_and_a_bearer_challenge()
    {
        using var client = fixture.CreateClient();
        using var response = await client.GetAsync("/v1/jobs");
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("Bearer mk_this_key_was_never_issued_0000000000")]
    [InlineData("Bearer not-a-montage-key")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task A_wrong_key_is_refused(string authorization)
    {
        using var client = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await client.SendAsync(request);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Fact]
    public async Task The_admin_key_creates_keys_that_work_and_are_shown_once()
    {
        using var tenant = await fixture.NewTenantAsync();
        Assert.StartsWith("mk_", tenant.Key, StringComparison.Ordinal);
        using var response = await tenant.Client.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Only the hash is stored: the key text appears nowhere in the gateway's database.
        await using var connection = new Npgsql.NpgsqlConnection(fixture.GatewayConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM api_keys WHERE owner = $1 AND label = $2 AND key_hash = sha256(convert_to($3, 'UTF8'))", connection);
        command.Parameters.AddWithValue(tenant.Owner);
        command.Parameters.AddWithValue(tenant.Key[..10]);
        command.Parameters.AddWithValue(tenant.Key);
        Assert.Equal(1L, await command.ExecuteScalarAsync());
        await using var leak = new Npgsql.NpgsqlCommand("SELECT count(*) FROM api_keys WHERE position($1 in label || name || owner) > 0", connection);
        leak.Parameters.AddWithValue(tenant.Key);
        Assert.Equal(0L, await leak.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_tenant_key_cannot_create_keys()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var response = await tenant.Client.PostAsync("/v1/keys", ApiTestData.Json(new JsonObject { ["owner"] = "someone-else" }));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Key_creation_reports_every_invalid_field()
    {
        using var admin = fixture.CreateClient(GatewayFixture.AdminKey);
        using var response = await admin.PostAsync("/v1/keys", ApiTestData.Json("""{"owner": "has space", "requests_per_minute": 0}"""));
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, "validation_failed");
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("owner"));
        Assert.True(errors.ContainsKey("requests_per_minute"));
    }

    [Fact]
    public async Task A_key_over_its_rate_limit_gets_429_with_retry_after()
    {
        using var tenant = await fixture.NewTenantAsync(requestsPerMinute: 3);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 6 && limited is null; i++)
        {
            var response = await tenant.Client.GetAsync("/v1/models");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            await ProblemAssert.IsProblemAsync(limited, HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is missing");
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses.Take(3));

        // Other keys are not affected.
        using var other = await fixture.NewTenantAsync();
        using var fine = await other.Client.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task Bearer_scheme_is_case_insensitive()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var client = fixture.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("bearer", tenant.Key);
        using var response = await client.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
