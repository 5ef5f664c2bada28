namespace Montage.Providers.Catalog;

/// <summary>What a request is expected to cost, and how that figure was reached.</summary>
/// <param name="Usd">The estimate in US dollars.</param>
/// <param name="MicroUsd">The same in millionths of a dollar, rounded half away from zero, for integer ledgers.</param>
/// <param name="Quantity">How many billing units (images, seconds or requests).</param>
/// <param name="Unit">The billing unit: image, second or request.</param>
/// <param name="UnitPriceUsd">The rate applied per unit beyond the included units.</param>
/// <param name="Confirmed">False when the model's rates are not confirmed by the provider's price list.</param>
/// <param name="QuantityAssumed">True when the quantity is the catalog's assumption (e.g. the audio length was not known).</param>
/// <param name="Basis">A one-line explanation, fit to show a user.</param>
public sealed record CostEstimate(
    decimal Usd,
    long MicroUsd,
    decimal Quantity,
    string Unit,
    decimal UnitPriceUsd,
    bool Confirmed,
    bool QuantityAssumed,
    string Basis);

/// <summary>Facts about the request that the input alone does not carry.</summary>
/// <param name="MediaDurationSeconds">Length of the input audio (avatar models bill per second of it).</param>
public sealed record EstimateContext(decimal? MediaDurationSeconds = null);
