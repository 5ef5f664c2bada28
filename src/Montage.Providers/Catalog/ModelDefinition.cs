namespace Montage.Providers.Catalog;

/// <summary>One catalog model: who runs it, what it accepts, what it costs and how long it may take.</summary>
public sealed record ModelDefinition
{
    /// <summary>Montage model id; see <see cref="ModelCatalog"/> for the id rule.</summary>
    public required string Id { get; init; }

    public required string Title { get; init; }

    /// <summary>One of <see cref="JobKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>One of <see cref="Abstractions.ProviderNames"/>: fal, kie or local.</summary>
    public required string Provider { get; init; }

    /// <summary>The provider's endpoint or model name (fal endpoint id, KIE model, local engine name); null when the model has none.</summary>
    public string? Endpoint { get; init; }

    public bool Available { get; init; } = true;

    /// <summary>The catalog id to use instead when <see cref="Available"/> is false.</summary>
    public string? Replacement { get; init; }

    public string? UnavailableReason { get; init; }
    public int TypicalDurationSeconds { get; init; }
    public int TimeoutSeconds { get; init; }
    public required ModelCapabilities Capabilities { get; init; }
    public required PriceRule Price { get; init; }

    /// <summary>Cross-field rules by name (see <see cref="CrossFieldRules"/>).</summary>
    public IReadOnlyList<string> Rules { get; init; } = [];

    public string? Notes { get; init; }
    public required IReadOnlyList<FieldDefinition> Fields { get; init; }

    public TimeSpan TypicalDuration => TimeSpan.FromSeconds(TypicalDurationSeconds);

    /// <summary>The whole-job deadline (e.g. 10 min for Kling image-to-video, 12 min for the avatar).</summary>
    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public FieldDefinition? Field(string name) => Fields.FirstOrDefault(f => f.Name == name);
}

/// <summary>What a model can do.</summary>
public sealed record ModelCapabilities
{
    /// <summary>The output can carry generated or supplied audio.</summary>
    public bool Audio { get; init; }

    /// <summary>The model takes an audio track as input.</summary>
    public bool AudioInput { get; init; }

    /// <summary>The model takes an end (tail) frame.</summary>
    public bool EndFrame { get; init; }

    /// <summary>The model takes reusable elements (characters/objects referenced in the prompt).</summary>
    public bool Elements { get; init; }

    public bool MultiShot { get; init; }
    public int? MaxDurationSeconds { get; init; }
    public int? MaxImages { get; init; }
}
