using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Montage.Generation.Models;
using Montage.Generation.Worker;
using Montage.Providers.Abstractions;
using Montage.Providers.Catalog;
using Montage.Providers.Fal;
using Montage.Providers.Kie;
using Montage.Providers.Local;

namespace Montage.Generation;

public static class GenerationServiceExtensions
{
    /// <summary>
    /// A generation service: the worker that leases <paramref name="kinds"/> from JobTracker ("jobs") and runs them
    /// through the providers (the local engine always; fal and KIE when their keys are configured), AssetStorage
    /// ("assets") for inputs and outputs, <see cref="ModelQueries"/> for ListModels/Validate/Estimate, and gRPC.
    /// Options from the "Generation" section; webhooks go to <c>Gateway:PublicUrl</c> when it is set.
    /// </summary>
    public static TBuilder AddGenerationService<TBuilder>(this TBuilder builder, string serviceName, params string[] kinds)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        builder.Services.AddOptions<GenerationOptions>()
            .Bind(configuration.GetSection(GenerationOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.HeartbeatInterval * 2 <= o.LeaseDuration, "Generation:HeartbeatInterval must be at most half of Generation:LeaseDuration")
            .Validate(o => o.PollInitial <= o.PollMax, "Generation:PollInitial must not exceed Generation:PollMax")
            .Validate(o => string.IsNullOrWhiteSpace(configuration["Gateway:PublicUrl"]) || Uri.TryCreate(configuration["Gateway:PublicUrl"], UriKind.Absolute, out _),
                "Gateway:PublicUrl must be an absolute URL")
            .ValidateOnStart();
        builder.Services.AddSingleton(new WorkerKinds(serviceName, kinds));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(_ => ModelCatalog.Load());
        builder.Services.AddGrpc();
        builder.Services.AddJobTrackerClient("jobs");
        builder.Services.AddAssetStoreClient("assets");

        builder.Services.AddLocalProvider(configuration);
        if (FalServiceCollectionExtensions.HasFalCredentials(configuration))
        {
            builder.Services.AddFalProvider(configuration);
        }

        if (KieServiceCollectionExtensions.HasKieCredentials(configuration))
        {
            builder.Services.AddKieProvider(configuration);
        }

        builder.Services.AddProviderRegistry();
        builder.Services.AddSingleton<ModelQueries>();
        builder.Services.AddSingleton<InputResolver>();
        builder.Services.AddSingleton<OutputImporter>();
        builder.Services.AddSingleton<SubmitReconciler>();
        builder.Services.AddSingleton<JobRunner>();
        builder.Services.AddHostedService<GenerationWorker>();
        return builder;
    }
}
