using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Montage.ServiceDefaults.Tests.Unit;

/// <summary>A missing connection string stops the host at start, naming the key; nothing is contacted.</summary>
public sealed class ConnectionStringValidationUnitTests
{
    [Fact]
    public async Task Missing_postgres_connection_string_fails_at_start_naming_the_key()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddNpgsqlDataSource("jobs");
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("ConnectionStrings:jobs", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__jobs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_redis_connection_string_fails_at_start_naming_the_key()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddRedisClient("redis");
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("ConnectionStrings__redis", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Present_connection_strings_pass_validation()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:jobs"] = "Host=127.0.0.1;Port=1;Username=postgres",
            ["ConnectionStrings:redis"] = "127.0.0.1:1",
        });
        builder.AddNpgsqlDataSource("jobs");
        builder.AddRedisClient("redis");
        using var host = builder.Build();

        // Registration is lazy: nothing connects until a data source or multiplexer is resolved.
        await host.StartAsync();
        await host.StopAsync();
    }
}
