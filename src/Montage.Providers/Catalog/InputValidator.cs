using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Montage.Providers.Catalog;

/// <summary>
/// Checks a Montage input against a model's fields and collects every error with its path, producing the
/// normalised input (aliases resolved, enum spelling canonical, defaults applied) on the way.
/// </summary>
internal static class InputValidator
{
    public static ValidationResult Validate(ModelDefinition model, JsonObject? input)
    {
        var errors = new List<ValidationError>();
        input ??= [];
        var normalized = ValidateObject(input, model.Fields, "", errors);
        CrossFieldRules.Apply(model, input, normalized, errors);
        return errors.Count == 0 ? ValidationResult.Valid(model, normalized) : ValidationResult.Invalid(model, errors);
    }

    private static JsonObject ValidateObject(JsonObject input, IReadOnlyList<FieldDefinition> fields, string prefix, List<ValidationError> errors)
    {
        var normalized = new JsonObject();
        foreach (var (name, _) in input)
        {
            if (!fields.Any(f => f.Name == name))
            {
                errors.Add(new(prefix + name, ValidationCodes.UnknownField, $"'{name}' is not an input of this model."));
            }
        }

        foreach (var field in fields)
        {
            var path = prefix + field.Name;
            input.TryGetPropertyValue(field.Name, out var node);
            if (node is null)
            {
                if (field.Required)
                {
                    errors.Add(new(path, ValidationCodes.Required, $"'{field.Name}' is required."));
                }
                else if (field.Default is { } fallback)
                {
                    normalized[field.Name] = JsonNode.Parse(fallback.GetRawText());
                }

                continue;
            }

            var value = ValidateValue(field, node, path, errors);
            if (value is not null)
            {
                normalized[field.Name] = value;
            }
        }

        return normalized;
    }

    private static JsonNode? ValidateValue(FieldDefinition field, JsonNode node, string path, List<ValidationError> errors) => field.Type switch
    {
        FieldType.String => ValidateString(field, node, path, errors),
        FieldType.Integer => ValidateNumber(field, node, path, errors, integral: true),
        FieldType.Number => ValidateNumber(field, node, path, errors, integral: false),
        FieldType.Boolean => ValidateBoolean(node, path, errors),
        FieldType.Media => ValidateMedia(field, node, path, errors),
        FieldType.MediaList => ValidateMediaList(field, node, path, errors),
        FieldType.ObjectList => ValidateObjectList(field, node, path, errors),
        FieldType.ImageSize => ValidateImageSize(field, node, path, errors),
        FieldType.Object => ValidateNestedObject(field, node, path, errors),
        FieldType.StringList => ValidateStringList(field, node, path, errors),
        _ => throw new InvalidOperationException($"Field type {field.Type} has no validator."),
    };

    private static JsonNode? ValidateString(FieldDefinition field, JsonNode node, string path, List<ValidationError> errors)
    {
        if (node.GetValueKind() != JsonValueKind.String)
        {
            errors.Add(WrongType(path, "a string"));
            return null;
        }

        var text = node.GetValue<string>();
        if (field.Enum is { Count: > 0 })
        {
            return ResolveEnumString(field, text, path, errors);
        }

        if (field.MinLength is { } min && text.Length < min)
        {
            errors.Add(text.Length == 0 && field.Required
                ? new(path, ValidationCodes.Required, $"'{field.Name}' must not be empty.")
                : new(path, ValidationCodes.TooShort, $"Must be at least {min} characters; got {text.Length}."));
            return null;
        }

        if (field.MaxLength is { } max && text.Length > max)
        {
            errors.Add(new(path, ValidationCodes.TooLong, $"Must be at most {max} characters; got {text.Length}."));
            return null;
        }

        return JsonValue.Create(text);
    }

    private static JsonValue? ResolveEnumString(FieldDefinition field, string text, string path, List<ValidationError> errors)
    {
        var candidate = text;
        if (field.Aliases is not null)
        {
            foreach (var (alias, target) in field.Aliases)
            {
                if (string.Equals(alias, text, StringComparison.OrdinalIgnoreCase))
                {
                    candidate = target;
                }
            }
        }

        foreach (var allowed in field.Enum!)
        {
            if (allowed.ValueKind == JsonValueKind.String && string.Equals(allowed.GetString(), candidate, StringComparison.OrdinalIgnoreCase))
            {
                return JsonValue.Create(allowed.GetString());
            }
        }

        errors.Add(new(path, ValidationCodes.NotInEnum, $"'{text}' is not one of {Describe(field)}."));
        return null;
    }

    private static JsonValue? ValidateNumber(FieldDefinition field, JsonNode node, string path, List<ValidationError> errors, bool integral)
    {
        if (!TryReadNumber(node, out var number) || (integral && decimal.Truncate(number) != number))
        {
            errors.Add(WrongType(path, integral ? "an integer" : "a number"));
            return null;
        }

        if (field.Enum is { Count: > 0 } allowed
            && !allowed.Any(a => a.ValueKind == JsonValueKind.Number && a.GetDecimal() == number))
        {
            errors.Add(new(path, ValidationCodes.NotInEnum, $"{Format(number)} is not one of {Describe(field)}."));
            return null;
        }

        if ((field.Min is { } min && number < min) || (field.Max is { } max && number > max))
        {
            errors.Add(new(path, ValidationCodes.OutOfRange, $"{Format(number)} is outside {Format(field.Min)}..{Format(field.Max)}."));
            return null;
        }

        return integral ? JsonValue.Create((long)number) : JsonValue.Create(number);
    }

    private static JsonValue? ValidateBoolean(JsonNode node, string path, List<ValidationError> errors)
    {
        var kind = node.GetValueKind();
        if (kind is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors.Add(WrongType(path, "true or false"));
            return null;
        }

        return JsonValue.Create(kind == JsonValueKind.True);
    }

    private static JsonValue? ValidateMedia(FieldDefinition field, JsonNode node, string path, List<ValidationError> errors)
    {
        if (node.GetValueKind() != JsonValueKind.String)
        {
            errors.Add(WrongType(path, "a media reference (asset id, URL or data URI)"));
            return null;
        }

        var reference = node.GetValue<string>();
        if (reference.Length == 0)
        {
            errors.Add(new(path, ValidationCodes.Required, $"'{field.Name}' must not be empty."));
            return null;
        }

        if (!MediaReference.IsValid(reference))
        {
            errors.Add(new(path, ValidationCodes.InvalidFormat, "Not an asset id, http(s) URL, data URI or job output reference."));
            return null;
        }

        return JsonValue.Create(reference);
    }

    private static JsonArray? ValidateMediaList(FieldDefinition field, JsonNode node, string path, List<ValidationError> errors)
    {
        if (node is not JsonArray array)
        {
            errors.Add(WrongType(path, "a list of media references"));
            return null;
        }

        var countOk = CheckCount(field, array, path, errors);
        var result = new JsonArray();
        for (var i = 0; i < array.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (array[i] is null)
            {
                errors.Add(WrongType(itemPath, "a media reference"));
                continue;
            }

            var item = ValidateMedia(field, array[i]!, itemPath, errors);
            if (item is not null)
            {
                result.Add(item);
            }
        }

        return countOk && result.Count == array.Count ? result : null;
    }

    private static JsonArray? ValidateObjectList(FieldDefinition field, JsonNode node, string path, List<ValidationError> errors)
    {
        if (node is not JsonArray array)
        {
            errors.Add(WrongType(path, "a list of objects"));
            return null;
        }

        var before = errors.Count;
        CheckCount(field, array, path, errors);
        var result = new JsonArray();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject item)
            {
                errors.Add(WrongType($"{path}[{i}]", "an object"));
                continue;
            }

            result.Add(ValidateObject(item, field.Items ?? [], $"{path}[{i}].", errors));
        }

        return errors.Count == before ? result : null;
    }

    private static JsonObject? ValidateNestedObject(FieldDefinition field, JsonNode node, string path, List<ValidationError> errors)
    {
        if (node is not JsonObject value)
        {
            errors.Add(WrongType(path, "an object"));
            return null;
        }

        var before = errors.Count;
        var result = ValidateObject(value, field.Items ?? [], path + ".", errors);
        return errors.Count == before ? result : null;
    }

    private static JsonArray? ValidateStringList(FieldDefinition field, JsonNode node, string path, List<ValidationError> errors)
    {
        if (node is not JsonArray array)
        {
            errors.Add(WrongType(path, "a list of strings"));
            return null;
        }

        var before = errors.Count;
        CheckCount(field, array, path, errors);
        var item = field with { Required = false, Enum = null };
        var result = new JsonArray();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not { } text)
            {
                errors.Add(WrongType($"{path}[{i}]", "a string"));
                continue;
            }

            result.Add(ValidateString(item, text, $"{path}[{i}]", errors));
        }

        return errors.Count == before ? result : null;
    }

    private static JsonNode? ValidateImageSize(FieldDefinition field, JsonNode node, string path, List<ValidationError> errors)
    {
        if (node.GetValueKind() == JsonValueKind.String)
        {
            return ResolveEnumString(field, node.GetValue<string>(), path, errors);
        }

        if (node is not JsonObject size)
        {
            errors.Add(WrongType(path, "a size name or an object {width, height}"));
            return null;
        }

        var before = errors.Count;
        foreach (var (name, _) in size)
        {
            if (name is not ("width" or "height"))
            {
                errors.Add(new($"{path}.{name}", ValidationCodes.UnknownField, $"'{name}' is not part of an image size."));
            }
        }

        var dimension = new FieldDefinition { Name = "", Type = FieldType.Integer, Min = field.Min, Max = field.Max };
        var result = new JsonObject();
        foreach (var name in new[] { "width", "height" })
        {
            if (!size.TryGetPropertyValue(name, out var value) || value is null)
            {
                errors.Add(new($"{path}.{name}", ValidationCodes.Required, $"'{name}' is required."));
                continue;
            }

            result[name] = ValidateNumber(dimension, value, $"{path}.{name}", errors, integral: true);
        }

        return errors.Count == before ? result : null;
    }

    private static bool CheckCount(FieldDefinition field, JsonArray array, string path, List<ValidationError> errors)
    {
        if ((field.MinItems is { } min && array.Count < min) || (field.MaxItems is { } max && array.Count > max))
        {
            var range = (field.MinItems, field.MaxItems) switch
            {
                ({ } a, { } b) => $"{a} to {b}",
                ({ } a, null) => $"at least {a}",
                (null, { } b) => $"at most {b}",
                _ => "",
            };
            errors.Add(new(path, ValidationCodes.OutOfRange, $"Needs {range} items; got {array.Count}."));
            return false;
        }

        return true;
    }

    internal static bool TryReadNumber(JsonNode node, out decimal number)
    {
        number = 0;
        return node.GetValueKind() == JsonValueKind.Number
            && decimal.TryParse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
    }

    private static ValidationError WrongType(string path, string expected) =>
        new(path, ValidationCodes.WrongType, $"Must be {expected}.");

    private static string Describe(FieldDefinition field) =>
        string.Join(", ", field.Enum!.Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText()));

    private static string Format(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
}
