using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Montage.AssetStorage.Catalog;
using Montage.AssetStorage.Collection;
using Montage.AssetStorage.Derive;
using Montage.AssetStorage.Download;
using Montage.AssetStorage.Import;
using Montage.AssetStorage.Media;
using Montage.AssetStorage.Persistence;
using Montage.AssetStorage.ProviderUrls;
using Montage.AssetStorage.Signing;
using Montage.AssetStorage.Storage;
using Montage.AssetStorage.Transport;
using Montage.AssetStorage.Upload;
using Montage.Providers.Abstractions;
using Montage.Providers.Fal;
using Montage.Providers.Kie;
using Montage.Providers.Local;

namespace Montage.AssetStorage;

public static class AssetStorageExtensions
{
    /// <summary>
    /// The AssetStore: Postgres connection "assets", options from the "AssetStorage" section (DataDir and SigningKey
    /// required, validated at start), migrations at start-up, the fal/KIE upload clients when their keys are
    /// configured, FFmpeg for probing and derivatives, and the garbage collector.
    /// </summary>
    public static TBuilder AddAssetStorage<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddNpgsqlDataSource("assets");
        builder.Services.AddOptions<AssetStorageOptions>()
            .Bind(builder.Configuration.GetSection(AssetStorageOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => Path.IsPathFullyQualified(o.DataDir), "AssetStorage:DataDir must be an absolute path")
            .Validate(o => o.SignedUrlPath.Contains("{id}", StringComparison.Ordinal), "AssetStorage:SignedUrlPath must contain {id}")
            .Validate(o => o.ImportAllowlist.All(e => !string.IsNullOrWhiteSpace(e)), "AssetStorage:ImportAllowlist must not contain empty entries")
            .ValidateOnStart();
        builder.Services.AddSingleton(s => s.GetRequiredService<IOptions<AssetStorageOptions>>().Value);
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 4 * 1024 * 1024);
        builder.Services.AddBulkTransferTransport();
        builder.Services.TryAddSingleton(TimeProvider.System);

        var configuration = builder.Configuration;
        if (FalServiceCollectionExtensions.HasFalCredentials(configuration))
        {
            builder.Services.AddFalProvider(configuration);
        }

        if (KieServiceCollectionExtensions.HasKieCredentials(configuration))
        {
            builder.Services.AddKieProvider(configuration);
        }

        builder.Services.AddProviderRegistry();
        var engineOptions = configuration.GetSection(LocalEngineOptions.SectionName).Get<LocalEngineOptions>() ?? new LocalEngineOptions();
        builder.Services.AddSingleton(s => new FfmpegRunner(engineOptions, s.GetService<ILogger<FfmpegRunner>>()));
        builder.Services.AddSingleton<MediaProbe>();

        // Order matters: hosted services start in registration order, and the schema must exist first.
        builder.AddSqlMigrations(typeof(AssetStorageExtensions).Assembly, "Montage.AssetStorage.Persistence.Migrations.");
        builder.Services.AddSingleton<GarbageCollector>();
        builder.Services.AddHostedService(s => s.GetRequiredService<GarbageCollector>());

        builder.Services.AddSingleton<BlobStore>();
        builder.Services.AddSingleton<AssetQueries>();
        builder.Services.AddSingleton<MediaInspector>();
        builder.Services.AddSingleton<AssetIngest>();
        builder.Services.AddSingleton<ImportHttp>();
        builder.Services.AddSingleton<UploadHandler>();
        builder.Services.AddSingleton<DownloadHandler>();
        builder.Services.AddSingleton<StatHandler>();
        builder.Services.AddSingleton<ListHandler>();
        builder.Services.AddSingleton<DeleteHandler>();
        builder.Services.AddSingleton<ImportHandler>();
        builder.Services.AddSingleton<ProviderUrlHandler>();
        builder.Services.AddSingleton<DeriveHandler>();
        builder.Services.AddSingleton<UrlSigner>();
        builder.Services.AddSingleton<AssetStoreService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAssetStorage(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGrpcService<AssetStoreService>();
        return endpoints;
    }
}
