using Microsoft.Extensions.Configuration;
using Montage.ServiceDefaults.ServiceDiscovery;

namespace Montage.ServiceDefaults.Tests.Unit;

public sealed class ServiceEndpointResolverUnitTests
{
    private static ConfigurationServiceEndpointResolver Resolver(params (string Key, string Value)[] entries) =>
        new(new ConfigurationBuilder()
            .AddInMemoryCollection(entries.Select(e => new KeyValuePair<string, string?>(e.Key, e.Value)))
            .Build());

    [Fact]
    public void Http_name_resolves_to_the_http_endpoint_keeping_path_and_query()
    {
        var resolver = Resolver(
            ("services:jobs:grpc:0", "http://localhost:7001"),
            ("services:jobs:http:0", "http://localhost:7000"));

        Assert.Equal(new Uri("http://localhost:7000/v1/jobs?state=queued#x"), resolver.Resolve(new Uri("http://jobs/v1/jobs?state=queued#x")));
    }

    [Fact]
    public void Http_name_without_an_http_endpoint_falls_back_to_the_first_one()
    {
        var resolver = Resolver(("services:jobs:grpc:0", "http://localhost:7001"));

        Assert.Equal(new Uri("http://localhost:7001/"), resolver.Resolve(new Uri("http://jobs/")));
    }

    [Fact]
    public void Underscore_form_selects_the_named_endpoint()
    {
        var resolver = Resolver(
            ("services:jobs:http:0", "http://localhost:7000"),
            ("services:jobs:grpc:0", "http://127.0.0.1:7001"));

        Assert.Equal(new Uri("http://127.0.0.1:7001/montage.jobs.v1.JobTracker/Get"), resolver.Resolve(new Uri("http://_grpc.jobs/montage.jobs.v1.JobTracker/Get")));
    }

    [Fact]
    public void Https_plus_http_prefers_https()
    {
        var resolver = Resolver(
            ("services:api:http:0", "http://localhost:7000"),
            ("services:api:https:0", "https://localhost:7443"));

        Assert.Equal(new Uri("https://localhost:7443/x"), resolver.Resolve(new Uri("https+http://api/x")));
    }

    [Fact]
    public void Https_plus_http_falls_back_to_http()
    {
        var resolver = Resolver(("services:api:http:0", "http://localhost:7000"));

        Assert.Equal(new Uri("http://localhost:7000/x"), resolver.Resolve(new Uri("https+http://api/x")));
    }

    [Fact]
    public void Endpoint_value_without_scheme_takes_the_request_scheme()
    {
        var resolver = Resolver(("services:cache:http:0", "localhost:6000"));

        Assert.Equal(new Uri("http://localhost:6000/"), resolver.Resolve(new Uri("http://cache/")));
    }

    [Theory]
    [InlineData("http://localhost:5000/a")]
    [InlineData("http://127.0.0.1:5000/a")]
    [InlineData("http://[::1]:5000/a")]
    [InlineData("https://queue.fal.run/fal-ai/ideogram/v3")]
    [InlineData("http://jobs:8080/v1/jobs")]
    public void Concrete_addresses_pass_through_unchanged(string address)
    {
        var resolver = Resolver();

        Assert.Equal(new Uri(address), resolver.Resolve(new Uri(address)));
    }

    [Fact]
    public void Unknown_service_names_the_missing_key_and_variable()
    {
        var resolver = Resolver(("services:jobs:http:0", "http://localhost:7000"));

        var error = Assert.Throws<InvalidOperationException>(() => resolver.Resolve(new Uri("http://assets/x")));

        Assert.Contains("services:assets:http:0", error.Message, StringComparison.Ordinal);
        Assert.Contains("services__assets__http__0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_named_endpoint_names_the_missing_key()
    {
        var resolver = Resolver(("services:jobs:http:0", "http://localhost:7000"));

        var error = Assert.Throws<InvalidOperationException>(() => resolver.Resolve(new Uri("http://_grpc.jobs/")));

        Assert.Contains("services:jobs:grpc:0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configuration_changes_are_seen_on_the_next_call()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["services:jobs:http:0"] = "http://localhost:7000",
        }).Build();
        var resolver = new ConfigurationServiceEndpointResolver(configuration);

        configuration["services:jobs:http:0"] = "http://localhost:7100";

        Assert.Equal(new Uri("http://localhost:7100/"), resolver.Resolve(new Uri("http://jobs/")));
    }

    [Fact]
    public void Replicas_are_taken_in_turn()
    {
        var resolver = Resolver(
            ("services:videos:grpc:0", "http://localhost:7001"),
            ("services:videos:grpc:1", "http://localhost:7002"));

        var ports = Enumerable.Range(0, 4).Select(_ => resolver.Resolve(new Uri("http://_grpc.videos/")).Port).ToList();

        Assert.Equal([7001, 7002, 7001, 7002], ports);
    }
}
