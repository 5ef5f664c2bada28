namespace Montage.Hosting.Dashboard;

/// <summary>A named endpoint of a resource (for example "http" or "grpc") and the URL it answers on.</summary>
public sealed record ResourceEndpoint(string Name, string Url);
