using Montage.Contracts.Common.V1;
using Montage.Providers.Catalog;

namespace Montage.Generation.Models;

/// <summary>Catalog validation errors in the contract's vocabulary (montage.common.v1.FieldError codes).</summary>
internal static class FieldErrors
{
    public const string UnknownModel = "unknown_model";
    public const string InvalidJson = "invalid_json";
    public const string AssetNotFound = "asset_not_found";
    public const string AssetKind = "asset_kind";

    public static FieldError From(ValidationError error) => new()
    {
        // Problems with the request as a whole (the model) have no field path in the contract.
        FieldPath = error.Path == "model" ? "" : error.Path,
        Code = error.Code switch
        {
            ValidationCodes.OutOfRange => "range",
            ValidationCodes.NotInEnum => "enum",
            ValidationCodes.TooLong => "max_length",
            ValidationCodes.WrongType => "type",
            _ => error.Code,
        },
        Message = error.Message,
    };

    public static FieldError Whole(string code, string message) => new() { FieldPath = "", Code = code, Message = message };
}
