using System.Security.Cryptography;
using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Publishing;

/// <summary>
/// Values of a published deployment: resources reach each other by service name on their container ports, one
/// load-balanced address per service (compose and Kubernetes spread requests over replicas themselves).
/// </summary>
internal sealed class PublishValueContext(PublishTarget target) : ValueContext
{
    private readonly Dictionary<IResource, string> _passwords = [];

    public PublishTarget Target { get; } = target;

    public override bool IsPublish => true;

    public override string Host(IResource resource) => resource is IResourceWithParent child ? child.Parent.Name : resource.Name;

    public override int Port(IResource resource, string endpointName, int replica)
    {
        var owner = resource is IResourceWithParent child ? child.Parent : resource;
        return owner.Annotations.OfType<EndpointAnnotation>().First(e => e.Name == endpointName).TargetPort;
    }

    public override int AdvertisedReplicas(IResource resource) => 1;

    /// <summary>Compose: a <c>${NAME_PASSWORD}</c> placeholder filled from .env. Kubernetes: the value, which only ever goes into a Secret.</summary>
    public override string Password(IResource resource) =>
        Target == PublishTarget.Compose ? $"${{{PasswordVariable(resource)}}}" : GeneratedPassword(resource);

    public string GeneratedPassword(IResource resource)
    {
        if (!_passwords.TryGetValue(resource, out var password))
        {
            password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            _passwords[resource] = password;
        }

        return password;
    }

    public static string PasswordVariable(IResource resource) => $"{ResourceNames.UpperSnake(resource.Name)}_PASSWORD";
}

internal enum PublishTarget
{
    Compose,
    Kubernetes,
}
