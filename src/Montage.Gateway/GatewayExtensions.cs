using Montage.Gateway.Assets;

namespace Montage.Gateway;

/// <summary>The gateway module: everything <c>Program.cs</c> adds and maps.</summary>
public static class GatewayExtensions
{
    /// <summary>Postgres "gateway", the JobTracker and AssetStore clients, authentication and the API's services.</summary>
    public static TBuilder AddGateway<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddNpgsqlDataSource("gateway");
        builder.AddSqlMigrations(typeof(GatewayExtensions).Assembly, "Montage.Gateway.Persistence.Migrations.");
        builder.Services.AddJobTrackerClient();
        builder.Services.AddAssetStoreClient();
        builder.AddGatewayAssets();
        return builder;
    }

    /// <summary>The REST API, webhooks, events and forwarding.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGatewayAssets();
        return app;
    }
}
