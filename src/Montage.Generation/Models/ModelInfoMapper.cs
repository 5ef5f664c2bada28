using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Common.V1;
using Montage.Providers.Catalog;
using CatalogModelCapabilities = Montage.Providers.Catalog.ModelCapabilities;
using ProtoModelCapabilities = Montage.Contracts.Common.V1.ModelCapabilities;

namespace Montage.Generation.Models;

/// <summary>A catalog model as clients see it (montage.common.v1.ModelInfo).</summary>
internal static class ModelInfoMapper
{
    public static ModelInfo ToInfo(ModelDefinition model, bool requiresCredentials)
    {
        var info = new ModelInfo
        {
            Id = model.Id,
            Kind = model.Kind,
            Provider = model.Provider,
            DisplayName = model.Title,
            Description = model.Notes ?? model.UnavailableReason ?? "",
            PriceRule = PriceText(model.Price),
            TypicalDuration = Duration.FromTimeSpan(model.TypicalDuration),
            Timeout = Duration.FromTimeSpan(model.Timeout),
            Capabilities = Capabilities(model.Capabilities),
            Available = model.Available,
            ReplacementModelId = model.Replacement ?? "",
            RequiresCredentials = requiresCredentials,
        };
        info.InputFields.AddRange(model.Fields.Select(Field));
        return info;
    }

    private static ProtoModelCapabilities Capabilities(CatalogModelCapabilities capabilities) => new()
    {
        Audio = capabilities.Audio,
        TailFrame = capabilities.EndFrame,
        MaxDuration = capabilities.MaxDurationSeconds is { } seconds ? Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds)) : null,
        MaxOutputs = capabilities.MaxImages ?? 0,
    };

    private static InputField Field(FieldDefinition field)
    {
        var input = new InputField
        {
            Name = field.Name,
            Type = field.Type switch
            {
                FieldType.String => InputFieldType.String,
                FieldType.Integer => InputFieldType.Integer,
                FieldType.Number => InputFieldType.Number,
                FieldType.Boolean => InputFieldType.Boolean,
                FieldType.Media => InputFieldType.Asset,
                FieldType.MediaList => InputFieldType.AssetList,
                _ => InputFieldType.Object,
            },
            Required = field.Required,
            Description = field.Description ?? "",
            HasRange = field.Min is not null || field.Max is not null,
            Minimum = (double)(field.Min ?? 0),
            Maximum = (double)(field.Max ?? 0),
            MaxLength = field.MaxLength ?? 0,
            DefaultJson = field.Default is { } value ? value.GetRawText() : "",
        };
        if (field.Enum is { } values)
        {
            input.AllowedValues.AddRange(values.Select(v => v.GetRawText()));
        }

        if (field.Type is FieldType.Media or FieldType.MediaList)
        {
            input.AcceptedMedia.Add(MediaKinds.For(field.Name));
        }

        return input;
    }

    private static string PriceText(PriceRule price)
    {
        var rates = price.Rates.Select(rate =>
        {
            var condition = rate.When is { Count: > 0 } when
                ? " when " + string.Join(", ", when.Select(w => $"{w.Key} = {w.Value.ToString()}"))
                : "";
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"${rate.Usd} per {price.Per}{condition}");
        });
        var text = string.Join("; ", rates);
        if (price.IncludedUnits > 0)
        {
            text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"${price.BaseUsd} for the first {price.IncludedUnits} {price.Per}s, then ") + text;
        }

        return price.Confirmed ? text : text + " (unconfirmed)";
    }
}
