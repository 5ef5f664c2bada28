using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Montage.Providers.Catalog;

/// <summary>
/// Every model Montage can run, read from the embedded <c>Catalog/models.json</c>.
/// Id rule: a fal.ai model's id is its fal endpoint id as-is (<c>fal-ai/kling-video/v2.1/pro/image-to-video</c>,
/// <c>wan/v2.6/image-to-video</c>); a KIE.ai model's id is <c>kie/</c> + its KIE model name (<c>kie/kling-3.0/video</c>);
/// a local model's id is <c>local/</c> + its engine name; an entry with no current endpoint keeps a vendor/model id
/// (<c>hedra/character-2</c>) and is unavailable, naming its replacement.
/// </summary>
public sealed class ModelCatalog
{
    private const string ResourceName = "Montage.Providers.Catalog.models.json";

    private static readonly Lazy<ModelCatalog> Shared = new(() => Parse(ReadEmbedded()));

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private readonly Dictionary<string, ModelDefinition> _byId;

    private ModelCatalog(IReadOnlyList<ModelDefinition> models)
    {
        Models = models;
        _byId = models.ToDictionary(m => m.Id, StringComparer.Ordinal);
    }

    public IReadOnlyList<ModelDefinition> Models { get; }

    /// <summary>The catalog shipped in this assembly, loaded and checked once.</summary>
    public static ModelCatalog Load() => Shared.Value;

    /// <summary>Reads a catalog document (the shape of models.json) and checks its integrity; throws <see cref="InvalidDataException"/> if it is inconsistent.</summary>
    public static ModelCatalog Parse(string json)
    {
        var document = JsonSerializer.Deserialize<CatalogDocument>(json, JsonOptions)
            ?? throw new InvalidDataException("The model catalog is empty.");
        var problems = CatalogIntegrity.Check(document.Models);
        if (problems.Count > 0)
        {
            throw new InvalidDataException("The model catalog is inconsistent: " + string.Join("; ", problems));
        }

        return new ModelCatalog(document.Models);
    }

    public bool TryGet(string id, out ModelDefinition model) => _byId.TryGetValue(id, out model!);

    public ModelDefinition Get(string id) =>
        _byId.TryGetValue(id, out var model) ? model : throw new KeyNotFoundException($"No model '{id}' in the catalog.");

    /// <summary>Models of one job kind (see <see cref="JobKinds"/>), unavailable ones included.</summary>
    public IReadOnlyList<ModelDefinition> ByKind(string kind) => Models.Where(m => m.Kind == kind).ToList();

    public IReadOnlyList<ModelDefinition> ByProvider(string provider) => Models.Where(m => m.Provider == provider).ToList();

    /// <summary>Validates a request for a model; every error comes back at once, and a valid result carries the normalised input.</summary>
    public ValidationResult Validate(string modelId, JsonObject? input)
    {
        if (!_byId.TryGetValue(modelId, out var model))
        {
            return ValidationResult.Invalid(null, [new("model", ValidationCodes.UnknownModel, $"There is no model '{modelId}'.")]);
        }

        if (!model.Available)
        {
            var instead = model.Replacement is null ? "" : $" Use '{model.Replacement}' instead.";
            return ValidationResult.Invalid(model, [new("model", ValidationCodes.ModelUnavailable, $"'{modelId}' is not available.{instead}")]);
        }

        return InputValidator.Validate(model, input);
    }

    /// <summary>Validates and estimates; throws <see cref="InvalidModelInputException"/> when the input is not valid.</summary>
    public CostEstimate Estimate(string modelId, JsonObject? input, EstimateContext? context = null)
    {
        var result = Validate(modelId, input);
        if (!result.IsValid)
        {
            throw new InvalidModelInputException(result);
        }

        return CostEstimator.Estimate(result.Model!, result.Normalized!, context);
    }

    /// <summary>The provider body for a valid result; see <see cref="ProviderRequestBuilder.Build"/>.</summary>
    public static JsonObject BuildProviderRequest(ValidationResult validated, IReadOnlyDictionary<string, string> resolvedMedia)
    {
        ArgumentNullException.ThrowIfNull(validated);
        if (!validated.IsValid)
        {
            throw new InvalidModelInputException(validated);
        }

        return ProviderRequestBuilder.Build(validated.Model!, validated.Normalized!, resolvedMedia);
    }

    private static string ReadEmbedded()
    {
        using var stream = typeof(ModelCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private sealed record CatalogDocument
    {
        public string? About { get; init; }
        public required IReadOnlyList<ModelDefinition> Models { get; init; }
    }
}
