using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting;

internal static class ModelValidation
{
    public static void Validate(IReadOnlyList<IResource> resources)
    {
        var known = resources.ToHashSet();
        foreach (var resource in resources)
        {
            foreach (var dependency in DependencyGraph.DirectDependencies(resource))
            {
                if (!known.Contains(dependency))
                {
                    throw new InvalidOperationException(
                        $"Resource '{resource.Name}' depends on '{dependency.Name}', which is not part of this application.");
                }
            }
        }

        _ = DependencyGraph.TopologicalOrder(resources);
    }
}

/// <summary>Start order: parents, awaited resources and referenced resources come first.</summary>
internal static class DependencyGraph
{
    public static IEnumerable<IResource> DirectDependencies(IResource resource)
    {
        if (resource is IResourceWithParent child)
        {
            yield return child.Parent;
        }

        foreach (var wait in resource.Annotations.OfType<WaitAnnotation>())
        {
            yield return wait.Resource;
        }

        foreach (var reference in resource.Annotations.OfType<ResourceReferenceAnnotation>())
        {
            yield return reference.Resource;
        }
    }

    public static IReadOnlyList<IResource> TopologicalOrder(IReadOnlyList<IResource> resources)
    {
        var order = new List<IResource>();
        var state = new Dictionary<IResource, bool>(); // false: visiting, true: done
        foreach (var resource in resources)
        {
            Visit(resource, state, order, []);
        }

        return order;
    }

    private static void Visit(IResource resource, Dictionary<IResource, bool> state, List<IResource> order, List<string> path)
    {
        if (state.TryGetValue(resource, out var done))
        {
            if (!done)
            {
                throw new InvalidOperationException($"Dependency cycle: {string.Join(" -> ", path)} -> {resource.Name}.");
            }

            return;
        }

        state[resource] = false;
        path.Add(resource.Name);
        foreach (var dependency in DirectDependencies(resource).Distinct())
        {
            Visit(dependency, state, order, path);
        }

        path.RemoveAt(path.Count - 1);
        state[resource] = true;
        order.Add(resource);
    }
}
