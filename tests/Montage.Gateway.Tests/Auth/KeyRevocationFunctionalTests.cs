using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Infrastructure;
using Montage.Hosting;
using Montage.Hosting.ApplicationModel;
using Npgsql;

namespace Montage.Gateway.Tests.Auth;

/// <summary>
/// Two gateway processes on one database, caching key lookups for an hour: a revocation through one reaches the other
/// through Postgres LISTEN/NOTIFY, and a lost LISTEN connection empties the cache. The cache lifetime rules out expiry
/// as the explanation; "silent" revocations (an UPDATE without NOTIFY, as if the notification were missed) show when
/// an instance serves from its cache.
/// </summary>
[Collection(KeyRevocationCollection.Name)]
public sealed class KeyRevocationFunctionalTests(KeyRevocationFixture fixture)
{
    private const string ListenerApplicationName = "montage-gateway-key-revocations";

    [Fact]
    public async Task A_key_revoked_through_one_instance_is_refused_by_the_other()
    {
        using var admin = fixture.CreateClient(GatewayFixture.AdminKey);
        await WaitUntilSecondInstanceCachesAsync();
        using var tenant = await fixture.NewTenantAsync();
        using var second = SecondInstanceClient(tenant.Key);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(second));

        using var revoked = await admin.DeleteAsync($"/v1/keys/{await KeyIdAsync(tenant.Owner)}");
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(tenant.Client));
        await GatewayTestWait.UntilAsync(async () => await StatusAsync(second) == HttpStatusCode.Unauthorized,
            "the second instance to refuse the revoked key", TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task Losing_the_listen_connection_empties_the_cache_and_listening_resumes()
    {
        await WaitUntilSecondInstanceCachesAsync();
        using var tenant = await fixture.NewTenantAsync();
        using var second = SecondInstanceClient(tenant.Key);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(second));
        await RevokeSilentlyAsync(tenant.Owner);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(second));

        var terminated = await TerminateListenersAsync();

        Assert.True(terminated >= 2, $"expected a listening connection per instance, terminated {terminated}");
        await GatewayTestWait.UntilAsync(async () => await StatusAsync(second) == HttpStatusCode.Unauthorized,
            "the second instance to drop its cached lookups", TimeSpan.FromMinutes(2));

        // Listening again: lookups are cached again, and a revocation elsewhere reaches this instance.
        await WaitUntilSecondInstanceCachesAsync();
        using var later = await fixture.NewTenantAsync();
        using var laterOnSecond = SecondInstanceClient(later.Key);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(laterOnSecond));
        using var admin = fixture.CreateClient(GatewayFixture.AdminKey);
        using var revoked = await admin.DeleteAsync($"/v1/keys/{await KeyIdAsync(later.Owner)}");
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        await GatewayTestWait.UntilAsync(async () => await StatusAsync(laterOnSecond) == HttpStatusCode.Unauthorized,
            "the second instance to refuse a key revoked after it reconnected", TimeSpan.FromMinutes(2));
    }

    /// <summary>
    /// Waits until the second instance listens (it caches lookups only then): a probe key it has looked up keeps
    /// working there after a silent revocation.
    /// </summary>
    private async Task WaitUntilSecondInstanceCachesAsync() =>
        await GatewayTestWait.UntilAsync(async () =>
        {
            using var probe = await fixture.NewTenantAsync();
            using var second = SecondInstanceClient(probe.Key);
            try
            {
                if (await StatusAsync(second) != HttpStatusCode.OK)
                {
                    return false;
                }
            }
            catch (HttpRequestException)
            {
                // The second instance is still starting.
                return false;
            }

            await RevokeSilentlyAsync(probe.Owner);
            return await StatusAsync(second) == HttpStatusCode.OK;
        }, "the second instance to cache key lookups (its revocation listener is up)", TimeSpan.FromMinutes(2));

    private HttpClient SecondInstanceClient(string key)
    {
        var client = new HttpClient { BaseAddress = fixture.App.GetEndpoint(GatewayFixture.GatewayName, "http", replica: 1), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/v1/models");
        return response.StatusCode;
    }

    private async Task<string> KeyIdAsync(string owner)
    {
        using var admin = fixture.CreateClient(GatewayFixture.AdminKey);
        var page = JsonNode.Parse(await admin.GetStringAsync($"/v1/keys?owner={owner}"))!;
        return page["data"]!.AsArray().Single()!["id"]!.GetValue<string>();
    }

    /// <summary>Revokes an owner's keys in the database without a notification, as if it had been missed.</summary>
    private async Task RevokeSilentlyAsync(string owner)
    {
        await using var connection = new NpgsqlConnection(fixture.GatewayConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("UPDATE api_keys SET revoked_at = now() WHERE owner = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private async Task<int> TerminateListenersAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.GatewayConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ListenerApplicationName });
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>The gateway system with two gateway instances caching key lookups for an hour.</summary>
public sealed class KeyRevocationFixture : GatewayFixture
{
    protected override void ConfigureGateway(IResourceBuilder<ProjectResource> gateway)
    {
        base.ConfigureGateway(gateway);
        gateway.WithReplicas(2).WithEnvironment("Gateway__ApiKeyCacheDuration", "01:00:00");
    }
}

[CollectionDefinition(Name)]
public sealed class KeyRevocationCollection : ICollectionFixture<KeyRevocationFixture>
{
    public const string Name = "GatewayKeyRevocation";
}
