using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Montage.ReverseProxy.Configuration;
using Montage.ReverseProxy.Forwarder;

namespace Montage.ReverseProxy.Tests.Unit;

public sealed class ProxyConfigurationUnitTests
{
    private static IConfiguration Config(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("ReverseProxy");

    [Fact]
    public void Reads_routes_and_clusters_in_yarps_shape()
    {
        var config = new ConfigurationConfigProvider(Config(new()
        {
            ["ReverseProxy:Routes:jobs:ClusterId"] = "jobs",
            ["ReverseProxy:Routes:jobs:Order"] = "10",
            ["ReverseProxy:Routes:jobs:AuthorizationPolicy"] = "default",
            ["ReverseProxy:Routes:jobs:Match:Path"] = "/montage.jobs.v1.JobTracker/{**catch-all}",
            ["ReverseProxy:Routes:jobs:Match:Methods:0"] = "POST",
            ["ReverseProxy:Clusters:jobs:HttpRequest:Version"] = "2",
            ["ReverseProxy:Clusters:jobs:HttpRequest:VersionPolicy"] = "RequestVersionExact",
            ["ReverseProxy:Clusters:jobs:HttpRequest:ActivityTimeout"] = "00:01:40",
            ["ReverseProxy:Clusters:jobs:Destinations:d1:Address"] = "http://_grpc.jobs",
        })).GetConfig();

        var route = Assert.Single(config.Routes);
        Assert.Equal("jobs", route.RouteId);
        Assert.Equal("jobs", route.ClusterId);
        Assert.Equal(10, route.Order);
        Assert.Equal("default", route.AuthorizationPolicy);
        Assert.Equal("/montage.jobs.v1.JobTracker/{**catch-all}", route.Match.Path);
        Assert.Equal(["POST"], route.Match.Methods!);
        var cluster = Assert.Single(config.Clusters);
        Assert.Equal(HttpVersion.Version20, cluster.HttpRequest!.Version);
        Assert.Equal(HttpVersionPolicy.RequestVersionExact, cluster.HttpRequest.VersionPolicy);
        Assert.Equal(TimeSpan.FromSeconds(100), cluster.HttpRequest.ActivityTimeout);
        Assert.Equal("http://_grpc.jobs", cluster.Destinations!["d1"].Address);
    }

    [Fact]
    public void A_bad_version_policy_names_its_key()
    {
        var provider = new ConfigurationConfigProvider(Config(new()
        {
            ["ReverseProxy:Clusters:jobs:HttpRequest:VersionPolicy"] = "Exactly",
        }));

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetConfig());

        Assert.Contains("ReverseProxy:Clusters:jobs:HttpRequest:VersionPolicy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_reports_every_problem_at_once()
    {
        var config = new InMemoryConfigProvider(
            [
                new RouteConfig { RouteId = "a", ClusterId = "missing", Match = new RouteMatch { Path = "/a" } },
                new RouteConfig { RouteId = "b", ClusterId = "empty" },
            ],
            [
                new ClusterConfig { ClusterId = "empty" },
                new ClusterConfig { ClusterId = "bad", Destinations = new Dictionary<string, DestinationConfig> { ["d"] = new() { Address = "ftp://x" } } },
            ]);

        var error = Assert.Throws<InvalidOperationException>(() => ProxyConfigValidator.Validate(config));

        Assert.Contains("cluster 'missing'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Route 'b' has no Match.Path", error.Message, StringComparison.Ordinal);
        Assert.Contains("Cluster 'empty' has no destinations", error.Message, StringComparison.Ordinal);
        Assert.Contains("'ftp://x'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Connection", true)]
    [InlineData("keep-alive", true)]
    [InlineData("Transfer-Encoding", true)]
    [InlineData("Upgrade", true)]
    [InlineData("Proxy-Authorization", true)]
    [InlineData(":authority", true)]
    [InlineData("X-Listed-In-Connection", true)]
    [InlineData("grpc-timeout", false)]
    [InlineData("Authorization", false)]
    [InlineData("Content-Type", false)]
    public void Hop_by_hop_headers_are_recognised(string name, bool expected) =>
        Assert.Equal(expected, HopByHopHeaders.IsHopByHop(name, "keep-alive, X-Listed-In-Connection"));

    [Fact]
    public void Te_trailers_is_the_one_te_value_forwarded()
    {
        Assert.True(HopByHopHeaders.IsTeTrailers("te", "trailers"));
        Assert.False(HopByHopHeaders.IsTeTrailers("te", "gzip"));
    }

    [Theory]
    [InlineData("http://10.0.0.1:5000", "/montage.jobs.v1.JobTracker/Get", "", "http://10.0.0.1:5000/montage.jobs.v1.JobTracker/Get")]
    [InlineData("http://10.0.0.1:5000/", "/a/b", "?x=1", "http://10.0.0.1:5000/a/b?x=1")]
    [InlineData("http://10.0.0.1:5000/prefix", "/a", "", "http://10.0.0.1:5000/prefix/a")]
    public void Destination_address_is_prefix_then_path_and_query(string prefix, string path, string query, string expected) =>
        Assert.Equal(new Uri(expected), HttpTransformer.MakeDestinationAddress(prefix, new PathString(path), new QueryString(query)));
}
