using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Montage.Gateway.Assets;
using Montage.Gateway.Auth;
using Montage.Gateway.Callbacks;
using Montage.Gateway.Errors;
using Montage.Gateway.Events;
using Montage.Gateway.Forwarding;
using Montage.Gateway.Jobs;
using Montage.Gateway.Keys;
using Montage.Gateway.Models;
using Montage.Gateway.Safety;
using Montage.Gateway.Webhooks;
using Montage.Providers.Abstractions;
using Montage.Providers.Catalog;
using Montage.Providers.Fal;
using Montage.Providers.Kie;

namespace Montage.Gateway;

/// <summary>The gateway module: everything <c>Program.cs</c> adds and maps.</summary>
public static class GatewayExtensions
{
    /// <summary>Postgres "gateway", the JobTracker and AssetStore clients, authentication and the API's services.</summary>
    public static TBuilder AddGateway<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<GatewayOptions>()
            .Bind(builder.Configuration.GetSection(GatewayOptions.SectionName))
            .Validate(o => string.IsNullOrEmpty(o.AdminKey) || ApiKeys.LooksValid(o.AdminKey), "Gateway:AdminKey must look like mk_... (20 to 200 characters)")
            .Validate(o => string.IsNullOrEmpty(o.DevKey) || ApiKeys.LooksValid(o.DevKey), "Gateway:DevKey must look like mk_... (20 to 200 characters)")
            .Validate(o => o.DefaultRequestsPerMinute > 0, "Gateway:DefaultRequestsPerMinute must be positive")
            .Validate(o => o.MaxJsonBodyBytes > 0 && o.MaxWebhookBodyBytes > 0, "Gateway body limits must be positive")
            .Validate(o => o.EventKeepAlive > TimeSpan.Zero, "Gateway:EventKeepAlive must be positive")
            .Validate(o => o.ApiKeyCacheDuration > TimeSpan.Zero, "Gateway:ApiKeyCacheDuration must be positive")
            .Validate(o => o.EventReplayConcurrency > 0, "Gateway:EventReplayConcurrency must be positive")
            .Validate(o => o.IdempotencyRetention > TimeSpan.Zero && o.IdempotencyPruneInterval > TimeSpan.Zero, "Gateway:IdempotencyRetention and IdempotencyPruneInterval must be positive")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        builder.AddNpgsqlDataSource("gateway");
        // Hosted services start in registration order: the schema first, then whatever uses it.
        builder.AddSqlMigrations(typeof(GatewayExtensions).Assembly, "Montage.Gateway.Persistence.Migrations.");
        services.AddJobTrackerClient();
        services.AddAssetStoreClient();

        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            if (!context.ProblemDetails.Extensions.ContainsKey("code"))
            {
                var (code, title) = Problems.ForStatus(status);
                context.ProblemDetails.Extensions["code"] = code;
                context.ProblemDetails.Type = Problems.TypeOf(code);
                context.ProblemDetails.Title ??= title;
            }

            context.ProblemDetails.Extensions.Remove("exception");
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();

        services.AddApiKeyStore();
        services.AddAuthentication(GatewayClaims.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(GatewayClaims.Scheme, null);
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(GatewayClaims.Scheme)
                .RequireAuthenticatedUser().RequireClaim(OwnerClaims.Type).Build())
            .AddPolicy(GatewayClaims.AdminPolicy, policy => policy.AddAuthenticationSchemes(GatewayClaims.Scheme)
                .RequireAuthenticatedUser().RequireClaim(GatewayClaims.Admin, "true"));
        services.AddHostedService<DevKeySeeder>();

        var defaultLimit = new Lazy<int>(() => builder.Configuration.GetValue<int?>($"{GatewayOptions.SectionName}:DefaultRequestsPerMinute") ?? new GatewayOptions().DefaultRequestsPerMinute);
        services.AddKeyRateLimits(() => defaultLimit.Value);
        services.AddSingleton(provider => new IdempotencyStore(provider.GetRequiredService<Npgsql.NpgsqlDataSource>(), provider.Settings().IdempotencyRetention));
        services.AddHostedService<IdempotencyPruner>();

        services.AddSingleton(_ => ModelCatalog.Load());
        services.AddSingleton<MediaInputs>();
        services.AddSingleton<SubmitJobHandler>();
        services.AddSingleton<Events.JobEventHub>();
        services.AddSingleton<WebhookReceipts>();
        AddWebhookProviders(builder);

        services.AddOpenApi();
        builder.AddGatewayAssets();
        builder.AddJobCallbacks();
        builder.AddGatewayForwarding();
        return builder;
    }

    /// <summary>The REST API, webhooks, events and forwarding.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        var api = app.MapGroup("").RequireAuthorization();
        api.MapKeyEndpoints();
        api.MapJobEndpoints();
        api.MapModelEndpoints();
        api.MapEventEndpoints();
        app.MapProviderWebhooks();
        app.MapGatewayAssets();
        app.MapOpenApi().AllowAnonymous();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/openapi/v1.json", "Montage API v1");
            options.RoutePrefix = "docs";
            options.DocumentTitle = "Montage API";
        });
        app.MapGatewayForwarding();
        return app;
    }

    /// <summary>fal and KIE verify their own webhooks; registered when their keys are configured, as in the workers.</summary>
    private static void AddWebhookProviders(IHostApplicationBuilder builder)
    {
        if (FalServiceCollectionExtensions.HasFalCredentials(builder.Configuration))
        {
            builder.Services.AddFalProvider(builder.Configuration);
        }

        if (KieServiceCollectionExtensions.HasKieCredentials(builder.Configuration))
        {
            builder.Services.AddKieProvider(builder.Configuration);
        }

        builder.Services.AddProviderRegistry();
    }

    internal static GatewayOptions Settings(this IServiceProvider services) => services.GetRequiredService<IOptions<GatewayOptions>>().Value;
}
