using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Montage.Gateway.Callbacks;

/// <summary>Registers outbound callbacks (<see cref="IJobCallbacks"/>) and their sender and watcher.</summary>
public static class CallbacksServiceCollectionExtensions
{
    /// <summary>
    /// Needs the "gateway" <c>NpgsqlDataSource</c>, the <c>JobTrackerClient</c> and a <c>TimeProvider</c>; tables come
    /// from migration 0100.
    /// </summary>
    public static TBuilder AddJobCallbacks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<CallbackOptions>()
            .Bind(builder.Configuration.GetSection(CallbackOptions.SectionName))
            .Validate(o => o.SigningSecret is null || WebhookSigner.ParseSecret(o.SigningSecret) is not null,
                "Callbacks:SigningSecret must be whsec_ followed by base64 of 24 to 64 random bytes.")
            .Validate(o => o.RetrySchedule.All(d => d >= TimeSpan.Zero) && o.RetrySchedule.Count <= 50,
                "Callbacks:RetrySchedule holds at most 50 non-negative delays.")
            .Validate(o => o.AttemptTimeout > TimeSpan.Zero && o.ReconcileInterval > TimeSpan.Zero && o.PollInterval > TimeSpan.Zero,
                "Callbacks:AttemptTimeout, ReconcileInterval and PollInterval must be positive.")
            .Validate(o => o.MaxConcurrentDeliveries is > 0 and <= 256, "Callbacks:MaxConcurrentDeliveries must be between 1 and 256.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CallbackUrlPolicy>();
        services.TryAddSingleton<CallbackStore>();
        services.TryAddSingleton<CallbackSender>();
        services.TryAddSingleton<CallbackSignal>();
        services.TryAddSingleton<CallbackEventWatcher>();
        services.TryAddSingleton<IJobCallbacks, JobCallbacks>();
        services.AddHostedService(provider => provider.GetRequiredService<CallbackEventWatcher>());
        services.AddHostedService<CallbackDispatcher>();
        return builder;
    }
}
