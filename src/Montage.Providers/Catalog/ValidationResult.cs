using System.Text.Json.Nodes;

namespace Montage.Providers.Catalog;

/// <summary>Stable error codes of input validation.</summary>
public static class ValidationCodes
{
    public const string Required = "required";
    public const string UnknownField = "unknown_field";
    public const string OutOfRange = "out_of_range";
    public const string NotInEnum = "not_in_enum";
    public const string TooLong = "too_long";
    public const string TooShort = "too_short";
    public const string WrongType = "wrong_type";
    public const string InvalidFormat = "invalid_format";
    public const string Conflict = "conflict";
    public const string UnknownModel = "unknown_model";
    public const string ModelUnavailable = "model_unavailable";
}

/// <summary>One problem with a request; <see cref="Path"/> is like <c>duration</c>, <c>shots[2].prompt</c> or <c>elements[0].images</c>.</summary>
public sealed record ValidationError(string Path, string Code, string Message);

/// <summary>Every problem found in a request at once, or the normalised input (aliases resolved, defaults applied).</summary>
public sealed class ValidationResult
{
    private ValidationResult(ModelDefinition? model, IReadOnlyList<ValidationError> errors, JsonObject? normalized)
    {
        Model = model;
        Errors = errors;
        Normalized = normalized;
    }

    public ModelDefinition? Model { get; }
    public IReadOnlyList<ValidationError> Errors { get; }

    /// <summary>The input in canonical form, present only when valid; estimate and request building take this.</summary>
    public JsonObject? Normalized { get; }

    public bool IsValid => Errors.Count == 0;

    public static ValidationResult Valid(ModelDefinition model, JsonObject normalized) => new(model, [], normalized);

    public static ValidationResult Invalid(ModelDefinition? model, IReadOnlyList<ValidationError> errors)
    {
        if (errors.Count == 0)
        {
            throw new ArgumentException("An invalid result needs at least one error.", nameof(errors));
        }

        return new(model, errors, null);
    }
}

/// <summary>Thrown by operations that need a valid input and were given an invalid one.</summary>
public sealed class InvalidModelInputException(ValidationResult result)
    : Exception("The input is not valid for the model: " + string.Join("; ", result.Errors.Select(e => $"{e.Path}: {e.Message}")))
{
    public ValidationResult Result { get; } = result;
}
