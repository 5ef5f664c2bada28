using System.Net;
using Montage.AssetStorage.Import;

namespace Montage.AssetStorage.Tests;

public sealed class AddressPolicyUnitTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.5.4")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.254")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::127.0.0.1")]
    [InlineData("64:ff9b::a00:1")]
    [InlineData("2002:7f00:1::")]
    [InlineData("fd00:ec2::254")]
    [InlineData("fc00::1")]
    [InlineData("fe80::1")]
    [InlineData("ff02::1")]
    public void Non_public_addresses_are_refused(string address) =>
        Assert.False(AddressPolicy.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    public void Public_addresses_are_allowed(string address) =>
        Assert.True(AddressPolicy.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public void Allowlist_takes_exact_hosts_and_cidr_ranges()
    {
        var policy = new AddressPolicy(["127.0.0.2/32", "fake.test", "10.9.0.0/16"]);
        Assert.True(policy.IsAllowed("anything", IPAddress.Parse("127.0.0.2")));
        Assert.False(policy.IsAllowed("anything", IPAddress.Parse("127.0.0.1")));
        Assert.True(policy.IsAllowed("fake.test", IPAddress.Parse("127.0.0.1")));
        Assert.True(policy.IsAllowed("x", IPAddress.Parse("10.9.200.1")));
        Assert.False(policy.IsAllowed("x", IPAddress.Parse("10.10.0.1")));
        Assert.True(policy.IsAllowed("x", IPAddress.Parse("::ffff:127.0.0.2")));
        Assert.False(policy.IsAllowed("sub.fake.test", IPAddress.Parse("127.0.0.1")));
    }
}
