using Montage.FakeProviders;
using Montage.Grpc.Client;
using Montage.Hosting;
using Montage.Hosting.Testing;
using Npgsql;

namespace Montage.AssetStorage.Tests;

/// <summary>
/// Real Postgres, the AssetStorage service as a separate process, fake fal and KIE storage, and an import origin on
/// 127.0.0.2 (the only allowlisted address), started once per collection. Tests isolate themselves by owner.
/// </summary>
public class AssetStorageFixture : IAsyncLifetime
{
    public const string SigningKey = "test-signing-key-0123456789abcdef0123456789";
    public const string ServiceName = "assetstorage";
    public const long MaxUploadBytes = 16 * 1024 * 1024;
    private GrpcChannel? _channel;

    public DistributedApplication App { get; private set; } = null!;

    public AssetStoreClient Client { get; private set; } = null!;

    public FakeFal Fal { get; private set; } = null!;

    public FakeKie Kie { get; private set; } = null!;

    public ImportOrigin Origin { get; private set; } = null!;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "montage-assets-" + Guid.NewGuid().ToString("N")[..8]);

    public string AssetsConnectionString => App.GetConnectionString("assets");

    public string BlobsDir => Path.Combine(DataDir, "blobs");

    public string TempDir => Path.Combine(DataDir, "tmp");

    public string BlobPath(string sha256) => Path.Combine(BlobsDir, sha256[..2], sha256[2..4], sha256);

    public static string NewOwner() => "owner-" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        Fal = await FakeFal.StartAsync();
        Kie = await FakeKie.StartAsync();
        Origin = await ImportOrigin.StartAsync();
        App = await DistributedApplicationTestingBuilder.CreateAsync(AddModel);
        await App.WaitForHealthyAsync(ServiceName, TimeSpan.FromMinutes(4));
        _channel = GrpcChannel.ForAddress(App.GetEndpoint(ServiceName, "grpc"));
        Client = new AssetStoreClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        await App.DisposeAsync();
        await Origin.DisposeAsync();
        await Kie.DisposeAsync();
        await Fal.DisposeAsync();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }

    /// <summary>The resources as the AppHost declares them, with test settings: a short GC grace, small size limit, fakes.</summary>
    private void AddModel(IDistributedApplicationBuilder builder)
    {
        var postgres = builder.AddPostgres("postgres");
        var assets = postgres.AddDatabase("assets");
        builder.AddProject(ServiceName, Path.Combine(RepositoryLayout.Root()!, "src/Montage.AssetStorage/Montage.AssetStorage.csproj"))
            .WithHttpHealthCheck("/health")
            .WithReference(assets).WaitFor(assets)
            .WithEnvironment("AssetStorage__DataDir", DataDir)
            .WithEnvironment("AssetStorage__SigningKey", SigningKey)
            .WithEnvironment("AssetStorage__MaxUploadBytes", MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("AssetStorage__GcInterval", "00:00:00.500")
            .WithEnvironment("AssetStorage__GcGracePeriod", "00:00:03")
            .WithEnvironment("AssetStorage__ImportReadTimeout", "00:00:05")
            .WithEnvironment("AssetStorage__ImportAllowlist__0", "127.0.0.2/32")
            .WithEnvironment("FAL_KEY", FakeFal.DefaultApiKey)
            .WithEnvironment("Providers__Fal__RestUrl", Fal.RestUrl.AbsoluteUri)
            .WithEnvironment("Providers__Fal__QueueUrl", Fal.QueueUrl.AbsoluteUri)
            .WithEnvironment("KIE_API_KEY", FakeKie.DefaultApiKey)
            .WithEnvironment("Providers__Kie__BaseUrl", Kie.BaseUrl.AbsoluteUri)
            .WithEnvironment("Providers__Kie__UploadUrl", Kie.UploadUrl.AbsoluteUri);
    }

    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(AssetsConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; generous, because the machine may be loaded.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for: {what}");
            }

            await Task.Delay(200);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AssetStorageCollection : ICollectionFixture<AssetStorageFixture>
{
    public const string Name = "AssetStorage";
}

/// <summary>A separate system for tests that kill and restart the service.</summary>
public sealed class AssetStorageFaultFixture : AssetStorageFixture;

[CollectionDefinition(Name)]
public sealed class AssetStorageFaultCollection : ICollectionFixture<AssetStorageFaultFixture>
{
    public const string Name = "AssetStorageFaults";
}
