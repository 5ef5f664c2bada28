using System.Net;
using Microsoft.Extensions.Options;
using Montage.Gateway.Callbacks;

namespace Montage.Gateway.Tests.Callbacks;

public sealed class CallbackUnitTests
{
    [Fact]
    public void Signature_matches_the_standard_webhooks_reference_vector()
    {
        // The example of the Standard Webhooks specification's reference libraries.
        var signer = new WebhookSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

        var signature = signer.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}");

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Theory]
    [InlineData("whsec_", false)]
    [InlineData("whsec_c2hvcnQ=", false)]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", false)]
    [InlineData("whsec_not base64!", false)]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", true)]
    public void Only_whsec_secrets_of_24_to_64_bytes_are_accepted(string secret, bool valid) =>
        Assert.Equal(valid, WebhookSigner.ParseSecret(secret) is not null);

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("93.184.216.34", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("64:ff9b::a00:1", false)]
    public void Only_public_unicast_addresses_may_be_called(string address, bool expected) =>
        Assert.Equal(expected, CallbackAddressPolicy.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]/hook")]
    [InlineData("https://10.0.0.5/hook")]
    [InlineData("ftp://8.8.8.8/hook")]
    [InlineData("https://user:pass@8.8.8.8/hook")]
    public async Task Private_addresses_and_odd_urls_are_refused_by_default(string url) =>
        Assert.NotNull(await Policy(allowPrivate: false).CheckAsync(url, CancellationToken.None));

    [Fact]
    public async Task A_public_address_is_accepted_and_loopback_is_accepted_when_allowed()
    {
        Assert.Null(await Policy(allowPrivate: false).CheckAsync("https://8.8.8.8/hook", CancellationToken.None));
        Assert.Null(await Policy(allowPrivate: true).CheckAsync("http://127.0.0.1:8080/hook", CancellationToken.None));
    }

    [Fact]
    public async Task Connecting_to_a_private_address_is_refused_before_any_socket_is_opened()
    {
        await Assert.ThrowsAsync<CallbackRefusedException>(() => Policy(allowPrivate: false).ConnectAsync(new DnsEndPoint("127.0.0.1", 9), CancellationToken.None).AsTask());
        await Assert.ThrowsAsync<CallbackRefusedException>(() => Policy(allowPrivate: false).ConnectAsync(new DnsEndPoint("169.254.169.254", 80), CancellationToken.None).AsTask());
    }

    [Fact]
    public void The_default_schedule_is_the_standard_one()
    {
        var options = new CallbackOptions();

        Assert.Equal(
            [TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10)],
            options.EffectiveSchedule);
    }

    private static CallbackUrlPolicy Policy(bool allowPrivate) =>
        new(new StaticOptions(new CallbackOptions { AllowPrivateNetworks = allowPrivate }));

    private sealed class StaticOptions(CallbackOptions value) : IOptionsMonitor<CallbackOptions>
    {
        public CallbackOptions CurrentValue => value;

        public CallbackOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<CallbackOptions, string?> listener) => null;
    }
}
