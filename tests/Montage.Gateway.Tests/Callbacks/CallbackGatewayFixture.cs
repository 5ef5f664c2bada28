using System.Security.Cryptography;
using Montage.Gateway.Tests.Infrastructure;
using Montage.Hosting;
using Montage.Hosting.ApplicationModel;

namespace Montage.Gateway.Tests.Callbacks;

/// <summary>
/// The whole system with callbacks enabled for tests: a signing secret, loopback receivers allowed, and a retry
/// schedule shrunk from hours to fractions of a second (twelve attempts, so a restart mid-retry leaves some).
/// </summary>
public sealed class CallbackGatewayFixture : GatewayFixture, IAsyncLifetime
{
    public static readonly string Secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static readonly TimeSpan[] Schedule =
    [
        TimeSpan.Zero,
        TimeSpan.FromMilliseconds(200),
        TimeSpan.FromMilliseconds(200),
        TimeSpan.FromMilliseconds(500),
        TimeSpan.FromSeconds(1),
        TimeSpan.FromSeconds(1),
        TimeSpan.FromSeconds(2),
        TimeSpan.FromSeconds(2),
        TimeSpan.FromSeconds(2),
        TimeSpan.FromSeconds(3),
        TimeSpan.FromSeconds(3),
        TimeSpan.FromSeconds(3),
    ];

    public CallbackReceiver Receiver { get; private set; } = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        Receiver = await CallbackReceiver.StartAsync();
        await InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Receiver.DisposeAsync();
    }

    protected override void ConfigureGateway(IResourceBuilder<ProjectResource> gateway)
    {
        base.ConfigureGateway(gateway);
        gateway
            .WithEnvironment("Callbacks__SigningSecret", Secret)
            .WithEnvironment("Callbacks__AllowPrivateNetworks", "true")
            .WithEnvironment("Callbacks__ReconcileInterval", "00:00:01")
            .WithEnvironment("Callbacks__PollInterval", "00:00:00.500")
            .WithEnvironment("Callbacks__AttemptTimeout", "00:00:05");
        for (var i = 0; i < Schedule.Length; i++)
        {
            gateway.WithEnvironment($"Callbacks__RetrySchedule__{i}", Schedule[i].ToString("c", System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CallbackGatewayCollection : ICollectionFixture<CallbackGatewayFixture>
{
    public const string Name = "GatewayCallbacks";
}
