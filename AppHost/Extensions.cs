using System.Security.Cryptography;

namespace Montage.AppHost;

/// <summary>Wiring every Montage service shares, so Program.cs stays a readable list of resources.</summary>
public static class Extensions
{
    /// <summary>
    /// A Montage service: <c>http</c> (HTTP/1.1, health) and <c>grpc</c> (h2c) endpoints, healthy when <c>/health</c>
    /// answers, and the provider settings given to the AppHost (FAL_KEY, KIE_API_KEY, Providers__*, Gateway__PublicUrl).
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddMontageService(this IDistributedApplicationBuilder builder, string name, string projectPath) =>
        builder.AddProject(name, projectPath)
            .WithHttpHealthCheck("/health")
            .WithProviderSettings();

    /// <summary>
    /// The asset store keeps its blobs under the AppHost's data directory, so they survive restarts with the databases,
    /// and signs URLs with a key generated on first run and kept next to them (replicas and restarts must agree on it).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAssetStore(this IResourceBuilder<ProjectResource> service, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(service);
        var storeDirectory = Path.Combine(dataDirectory, "assets");
        var signingKey = LoadOrCreateSecret(Path.Combine(dataDirectory, "secrets", "asset-signing.key"));
        return service
            .WithEnvironment("AssetStorage__DataDir", storeDirectory)
            .WithEnvironment("AssetStorage__SigningKey", signingKey);
    }

    /// <summary>
    /// The gateway's bootstrap admin key and a ready development key (owner "dev", printed by <c>./run.sh</c>), both kept
    /// under the data directory; the secret that signs job callbacks; and, unless configured, <c>Gateway__PublicUrl</c> set to the gateway's own http URL.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGatewayKeys(this IResourceBuilder<ProjectResource> gateway, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        var adminKey = LoadOrCreateApiKey(Path.Combine(dataDirectory, "secrets", "gateway-admin.key"), "mk_admin_");
        var devKey = LoadOrCreateApiKey(Path.Combine(dataDirectory, "secrets", "gateway-dev.key"), "mk_dev_");
        return gateway
            .WithEnvironment("Gateway__AdminKey", adminKey)
            .WithEnvironment("Gateway__DevKey", devKey)
            // Receivers of job callbacks verify them with this Standard Webhooks secret (secrets/callback-signing.key).
            .WithEnvironment("Callbacks__SigningSecret", "whsec_" + LoadOrCreateSecret(Path.Combine(dataDirectory, "secrets", "callback-signing.key")))
            .WithEnvironment(context => context.Environment.TryAdd("Gateway__PublicUrl", context.Values.Url(context.Resource, "http", 0)));
    }

    /// <summary>An API key kept in <paramref name="path"/>: as written there (run.sh may create it first), else prefix + a new secret.</summary>
    private static string LoadOrCreateApiKey(string path, string prefix)
    {
        var key = LoadOrCreateSecret(path);
        return key.StartsWith("mk_", StringComparison.Ordinal) ? key : prefix + key.Replace('+', '-').Replace('/', '_').TrimEnd('=');
    }

    /// <summary>A random 256-bit secret kept in <paramref name="path"/> (owner-only), created on first use.</summary>
    private static string LoadOrCreateSecret(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var temp = path + ".tmp";
        File.WriteAllText(temp, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(temp, secret);

        // Two AppHosts starting at once on one data directory must end up with the same key: the first rename wins.
        try
        {
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
        }

        return File.ReadAllText(path).Trim();
    }
}
