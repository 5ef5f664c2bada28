using System.Text.Json.Nodes;
using Montage.Providers.Catalog;

namespace Montage.Gateway.Jobs;

/// <summary>A catalog cost estimate as the API shows it.</summary>
public static class EstimateJson
{
    public static JsonObject ToJson(CostEstimate estimate)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        return new JsonObject
        {
            ["currency"] = "USD",
            ["amount"] = estimate.Usd,
            ["quantity"] = estimate.Quantity,
            ["unit"] = estimate.Unit,
            ["unit_price"] = estimate.UnitPriceUsd,
            ["confirmed"] = estimate.Confirmed,
            ["quantity_assumed"] = estimate.QuantityAssumed,
            ["basis"] = estimate.Basis,
        };
    }
}
