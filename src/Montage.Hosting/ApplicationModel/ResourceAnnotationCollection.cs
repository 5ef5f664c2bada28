using System.Collections.ObjectModel;

namespace Montage.Hosting.ApplicationModel;

/// <summary>Marker for anything attached to a resource by the builder API.</summary>
public interface IResourceAnnotation;

public sealed class ResourceAnnotationCollection : Collection<IResourceAnnotation>
{
    public IEnumerable<T> OfType<T>() where T : IResourceAnnotation => Items.OfType<T>();
}
