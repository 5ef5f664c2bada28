using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Montage.Providers.Catalog;

/// <summary>Applies a model's price rule to a normalised input.</summary>
public static class CostEstimator
{
    /// <summary>Estimates the cost of a validated request; <paramref name="normalizedInput"/> is <see cref="ValidationResult.Normalized"/>.</summary>
    public static CostEstimate Estimate(ModelDefinition model, JsonObject normalizedInput, EstimateContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(normalizedInput);
        var rule = model.Price;
        var (quantity, assumed) = Quantity(rule, normalizedInput, context);
        var rate = rule.Rates.FirstOrDefault(r => Matches(r, normalizedInput))
            ?? throw new InvalidOperationException($"No price rate of {model.Id} matches the input.");

        var billable = Math.Max(0, quantity - rule.IncludedUnits);
        var usd = rule.BaseUsd + (billable * rate.Usd);
        var microUsd = (long)Math.Round(usd * 1_000_000m, MidpointRounding.AwayFromZero);
        return new CostEstimate(usd, microUsd, quantity, rule.Per, rate.Usd, rule.Confirmed, assumed, Basis(rule, rate, quantity, assumed, usd));
    }

    private static (decimal Quantity, bool Assumed) Quantity(PriceRule rule, JsonObject input, EstimateContext? context)
    {
        switch (rule.Quantity)
        {
            case "request":
                return (1, false);
            case "num_images":
                return (ReadNumber(input, "num_images") ?? 1, false);
            case "duration":
                return (ReadNumber(input, "duration")
                    ?? throw new InvalidOperationException("The input has no duration; validate it first so the default applies."), false);
            case "audio_duration":
                if (context?.MediaDurationSeconds is { } seconds)
                {
                    return (Math.Ceiling(seconds), false);
                }

                return (rule.DefaultQuantity ?? 0, true);
            default:
                throw new InvalidOperationException($"Unknown price quantity '{rule.Quantity}'.");
        }
    }

    private static decimal? ReadNumber(JsonObject input, string name) =>
        input[name] is { } node && InputValidator.TryReadNumber(node, out var value) ? value : null;

    private static bool Matches(PriceRate rate, JsonObject input)
    {
        if (rate.When is null)
        {
            return true;
        }

        foreach (var (field, expected) in rate.When)
        {
            var actual = input[field];
            if (actual is null || !JsonElement.DeepEquals(JsonDocument.Parse(actual.ToJsonString()).RootElement, expected))
            {
                return false;
            }
        }

        return true;
    }

    private static string Basis(PriceRule rule, PriceRate rate, decimal quantity, bool assumed, decimal usd)
    {
        var unit = quantity == 1 ? rule.Per : rule.Per + "s";
        var text = rule.IncludedUnits > 0
            ? string.Create(CultureInfo.InvariantCulture, $"${rule.BaseUsd} for the first {rule.IncludedUnits} {rule.Per}s + ${rate.Usd} per further {rule.Per}; {quantity} {unit} = ${usd}")
            : string.Create(CultureInfo.InvariantCulture, $"{quantity} {unit} x ${rate.Usd} = ${usd}");
        if (assumed)
        {
            text += " (length assumed; the input's length was not known)";
        }

        return rule.Confirmed ? text : text + " (estimate; rate not confirmed)";
    }
}
