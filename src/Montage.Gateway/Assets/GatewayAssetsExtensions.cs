using Microsoft.Extensions.DependencyInjection.Extensions;
using Montage.Gateway.Media;

namespace Montage.Gateway.Assets;

/// <summary>The gateway's asset endpoints under <c>/v1/assets</c> and the media reference resolver.</summary>
public static class GatewayAssetsExtensions
{
    /// <summary>Options from <c>Gateway:Assets</c> (validated at start) and <see cref="IMediaReferenceResolver"/>.</summary>
    public static TBuilder AddGatewayAssets<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<GatewayAssetsOptions>()
            .Bind(builder.Configuration.GetSection(GatewayAssetsOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddAssetStoreClient();
        builder.Services.AddAuthorization();
        builder.Services.TryAddSingleton<IMediaReferenceResolver, MediaReferenceResolver>();
        return builder;
    }

    /// <summary>
    /// The asset routes. All need an API key except the content route, which also accepts a signed URL instead and
    /// therefore checks its caller itself.
    /// </summary>
    public static WebApplication MapGatewayAssets(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var assets = app.MapGroup("/v1/assets").WithTags("Assets");
        var authorized = assets.MapGroup("").RequireAuthorization();

        authorized.MapPost("", UploadAssetEndpoint.HandleAsync)
            .WithName("UploadAsset")
            .WithSummary("Upload a file: a raw body (name from ?name= or X-Filename) or multipart/form-data with one file part.")
            .Accepts<Stream>("application/octet-stream", "multipart/form-data", "image/*", "video/*", "audio/*")
            .Produces<AssetResource>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .DisableAntiforgery();

        authorized.MapGet("", AssetCatalogEndpoints.ListAsync)
            .WithName("ListAssets")
            .WithSummary("The caller's assets, newest first; filter by kind and tags (all must match), page with cursor and limit.")
            .Produces<AssetPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        authorized.MapGet("/{id}", AssetCatalogEndpoints.GetAsync)
            .WithName("GetAsset")
            .WithSummary("One asset's facts.")
            .Produces<AssetResource>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        authorized.MapDelete("/{id}", AssetCatalogEndpoints.DeleteAsync)
            .WithName("DeleteAsset")
            .WithSummary("Delete an asset; its bytes go once no other asset shares them.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);

        authorized.MapPost("/{id}/signed-url", AssetCatalogEndpoints.SignAsync)
            .WithName("SignAssetUrl")
            .WithSummary("A time-limited link to the content that needs no API key (for players, browsers and webhooks).")
            .Accepts<SignedUrlRequest>(isOptional: true, "application/json")
            .Produces<SignedUrlResource>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        assets.MapMethods("/{id}/content", [HttpMethods.Get, HttpMethods.Head], AssetContentEndpoint.HandleAsync)
            .AllowAnonymous()
            .WithName("GetAssetContent")
            .WithSummary("The bytes, with Range, ETag and If-None-Match; with an API key, or a signed URL (?exp=&disp=&sig=) instead.")
            .Produces(StatusCodes.Status200OK)
            .Produces(StatusCodes.Status206PartialContent)
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status416RangeNotSatisfiable);
        return app;
    }
}
