using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Montage.Providers.Abstractions;

/// <summary>
/// An opaque, durable reference to a submitted job. Persist <see cref="Serialize"/> and rebuild with <see cref="Parse"/>
/// to resume after a restart; never resubmit a job that has a handle.
/// </summary>
/// <param name="Provider">Provider name (<see cref="ProviderNames"/>), so a registry can route the handle.</param>
/// <param name="RequestId">The provider's request / task id.</param>
/// <param name="ModelEndpoint">The model the job was submitted to.</param>
/// <param name="Properties">Provider-specific data such as fal's status/response/cancel URLs.</param>
public sealed record ProviderJobHandle(
    string Provider,
    string RequestId,
    string ModelEndpoint,
    ImmutableSortedDictionary<string, string> Properties)
{
    public ProviderJobHandle(string provider, string requestId, string modelEndpoint)
        : this(provider, requestId, modelEndpoint, ImmutableSortedDictionary<string, string>.Empty)
    {
    }

    public string? GetProperty(string name) => Properties.TryGetValue(name, out var value) ? value : null;

    public ProviderJobHandle WithProperty(string name, string value) => this with { Properties = Properties.SetItem(name, value) };

    /// <summary>Compact JSON, stable for equal handles.</summary>
    public string Serialize() => JsonSerializer.Serialize(new Wire(Provider, RequestId, ModelEndpoint, Properties), WireOptions);

    /// <exception cref="FormatException">The text is not a serialised handle.</exception>
    public static ProviderJobHandle Parse(string serialized)
    {
        ArgumentNullException.ThrowIfNull(serialized);
        Wire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<Wire>(serialized, WireOptions);
        }
        catch (JsonException e)
        {
            throw new FormatException("Not a serialised provider job handle.", e);
        }

        if (wire is null || string.IsNullOrEmpty(wire.Provider) || string.IsNullOrEmpty(wire.RequestId) || wire.Model is null)
        {
            throw new FormatException("Not a serialised provider job handle.");
        }

        return new ProviderJobHandle(
            wire.Provider,
            wire.RequestId,
            wire.Model,
            (wire.Properties ?? ImmutableSortedDictionary<string, string>.Empty).ToImmutableSortedDictionary(StringComparer.Ordinal));
    }

    public static bool TryParse(string? serialized, out ProviderJobHandle? handle)
    {
        handle = null;
        if (string.IsNullOrEmpty(serialized))
        {
            return false;
        }

        try
        {
            handle = Parse(serialized);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public override string ToString() => $"{Provider}:{RequestId}";

    public bool Equals(ProviderJobHandle? other) =>
        other is not null && Provider == other.Provider && RequestId == other.RequestId && ModelEndpoint == other.ModelEndpoint
        && Properties.Count == other.Properties.Count
        && Properties.All(p => other.Properties.TryGetValue(p.Key, out var v) && v == p.Value);

    public override int GetHashCode() => HashCode.Combine(Provider, RequestId, ModelEndpoint, Properties.Count);

    private static readonly JsonSerializerOptions WireOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record Wire(
        [property: JsonPropertyName("p")] string Provider,
        [property: JsonPropertyName("id")] string RequestId,
        [property: JsonPropertyName("m")] string Model,
        [property: JsonPropertyName("props")] IReadOnlyDictionary<string, string>? Properties);
}
