using System.Text.Json;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Catalog;

/// <summary>Consistency checks run when a catalog is loaded, so a bad edit of models.json fails at start-up, not mid-job.</summary>
internal static class CatalogIntegrity
{
    private static readonly string[] Quantities = ["request", "num_images", "duration", "audio_duration"];
    private static readonly string[] Providers = [ProviderNames.Fal, ProviderNames.Kie, ProviderNames.Local];

    public static List<string> Check(IReadOnlyList<ModelDefinition> models)
    {
        var problems = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            if (!ids.Add(model.Id))
            {
                problems.Add($"{model.Id}: duplicate id");
            }

            CheckModel(model, models, problems);
        }

        return problems;
    }

    private static void CheckModel(ModelDefinition model, IReadOnlyList<ModelDefinition> models, List<string> problems)
    {
        void Problem(string text) => problems.Add($"{model.Id}: {text}");

        if (!JobKinds.All.Contains(model.Kind))
        {
            Problem($"unknown kind '{model.Kind}'");
        }

        if (!Providers.Contains(model.Provider))
        {
            Problem($"unknown provider '{model.Provider}'");
        }

        if (model.Available && string.IsNullOrEmpty(model.Endpoint))
        {
            Problem("an available model needs an endpoint");
        }

        if (!model.Available && (model.Replacement is null || !models.Any(m => m.Id == model.Replacement && m.Available)))
        {
            Problem("an unavailable model needs an available replacement");
        }

        if (model.TimeoutSeconds <= 0 || model.TypicalDurationSeconds <= 0 || model.TypicalDurationSeconds > model.TimeoutSeconds)
        {
            Problem("needs 0 < typical duration <= timeout");
        }

        if (!Quantities.Contains(model.Price.Quantity) || model.Price.Rates.Count == 0 || model.Price.Rates[^1].When is not null)
        {
            Problem("the price rule needs a known quantity and a last rate without conditions");
        }

        foreach (var rate in model.Price.Rates)
        {
            foreach (var field in rate.When?.Keys ?? Enumerable.Empty<string>())
            {
                if (model.Field(field) is null)
                {
                    Problem($"a price rate depends on the unknown field '{field}'");
                }
            }
        }

        foreach (var rule in model.Rules)
        {
            if (!CrossFieldRules.Known.Contains(rule))
            {
                Problem($"unknown rule '{rule}'");
            }
        }

        CheckFields(model.Fields, "", Problem);
    }

    private static void CheckFields(IReadOnlyList<FieldDefinition> fields, string prefix, Action<string> problem)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            var path = prefix + field.Name;
            if (!names.Add(field.Name))
            {
                problem($"field '{path}' is declared twice");
            }

            if (field.Required && field.Default is not null)
            {
                problem($"field '{path}' is required and has a default");
            }

            if (field.Type is FieldType.ObjectList or FieldType.Object)
            {
                if (field.Items is not { Count: > 0 })
                {
                    problem($"object field '{path}' has no item fields");
                }
                else
                {
                    CheckFields(field.Items, path + (field.Type == FieldType.ObjectList ? "[]." : "."), problem);
                }
            }

            if (field.Default is { } fallback && field.Enum is { Count: > 0 } allowed
                && !allowed.Any(a => JsonElement.DeepEquals(a, fallback)))
            {
                problem($"the default of '{path}' is not one of its values");
            }
        }
    }
}
