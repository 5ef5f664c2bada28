using System.Text.Json;

namespace Montage.Providers.Catalog;

/// <summary>
/// How a model is billed: cost = baseUsd + max(0, quantity - includedUnits) * rate, where the rate is the first
/// entry of <see cref="Rates"/> whose conditions all match the normalised input.
/// </summary>
public sealed record PriceRule
{
    /// <summary>The billing unit: image, second or request.</summary>
    public required string Per { get; init; }

    /// <summary>Where the quantity comes from: num_images, duration, audio_duration (the voice track's length) or request (1).</summary>
    public required string Quantity { get; init; }

    public decimal BaseUsd { get; init; }
    public decimal IncludedUnits { get; init; }

    /// <summary>The quantity assumed when it comes from media whose length is not known yet.</summary>
    public decimal? DefaultQuantity { get; init; }

    public required IReadOnlyList<PriceRate> Rates { get; init; }

    /// <summary>False when the rates are an estimate not confirmed by the provider's price list.</summary>
    public bool Confirmed { get; init; } = true;
}

/// <summary>A rate that applies when every field in <see cref="When"/> has the given value.</summary>
public sealed record PriceRate
{
    public IReadOnlyDictionary<string, JsonElement>? When { get; init; }
    public required decimal Usd { get; init; }
}
