using Microsoft.Extensions.Configuration;
using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting;

/// <summary>
/// Forwards the provider settings given to the AppHost (environment, appsettings.json or command line) to a service:
/// <c>FAL_KEY</c>, <c>FAL_KEY_ID</c>, <c>FAL_KEY_SECRET</c>, <c>KIE_API_KEY</c>, every <c>Providers__*</c> key and
/// <c>Gateway__PublicUrl</c>. Only settings that are set are forwarded. When publishing they become
/// <c>${NAME}</c> placeholders (compose .env) or Secret references (Kubernetes), never literal values.
/// </summary>
public static class ProviderSettingsExtensions
{
    public static readonly IReadOnlyList<string> PlainKeys = ["FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET", "KIE_API_KEY", "Gateway:PublicUrl"];

    public const string ProvidersSection = "Providers";

    public static IResourceBuilder<T> WithProviderSettings<T>(this IResourceBuilder<T> builder)
        where T : IResourceWithEnvironment
    {
        var configuration = builder.ApplicationBuilder.Configuration;
        builder.Resource.Annotations.Add(new ProviderSettingsAnnotation());
        return builder.WithEnvironment(context =>
        {
            foreach (var (name, value) in Collect(configuration))
            {
                context.Environment[name] = context.Values.IsPublish ? $"${{{PublishedVariable(name)}}}" : value;
            }
        });
    }

    /// <summary>Settings present in configuration, as environment variable names (<c>:</c> becomes <c>__</c>).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Collect(IConfiguration configuration)
    {
        var found = new List<KeyValuePair<string, string>>();
        foreach (var key in PlainKeys)
        {
            if (configuration[key] is { Length: > 0 } value)
            {
                found.Add(new(key.Replace(":", "__", StringComparison.Ordinal), value));
            }
        }

        foreach (var pair in configuration.GetSection(ProvidersSection).AsEnumerable())
        {
            if (!string.IsNullOrEmpty(pair.Value))
            {
                found.Add(new(pair.Key.Replace(":", "__", StringComparison.Ordinal), pair.Value));
            }
        }

        return found;
    }

    /// <summary>Compose variables cannot contain '__' safely in every shell; keep the name, it is valid.</summary>
    public static string PublishedVariable(string environmentName) => environmentName;
}

/// <summary>Marks a resource that receives the provider settings (publishers turn them into secrets).</summary>
public sealed class ProviderSettingsAnnotation : IResourceAnnotation;
