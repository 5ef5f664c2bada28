using System.Text.Json;
using System.Text.Json.Serialization;
using Montage.Gateway.Errors;

namespace Montage.Gateway.Json;

/// <summary>The API's JSON: snake_case names, unknown members refused, bodies read with a size limit.</summary>
public static class GatewayJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 32,
    };

    /// <summary>
    /// Reads a JSON body into <typeparamref name="T"/>: 415 unless it is JSON, 413 past <paramref name="maxBytes"/>,
    /// 400 when it is malformed, has unknown members or is empty.
    /// </summary>
    public static async Task<T> ReadBodyAsync<T>(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        var bytes = await ReadBytesAsync(request, maxBytes, cancellationToken).ConfigureAwait(false);
        return Deserialize<T>(bytes);
    }

    /// <summary>The raw body, after the content-type and size checks.</summary>
    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.HasJsonContentType())
        {
            throw new ApiProblemException(415, "unsupported_media_type", "The body must be JSON.", "Send Content-Type: application/json.");
        }

        return await BoundedBody.ReadAsync(request, maxBytes, cancellationToken).ConfigureAwait(false);
    }

    public static T Deserialize<T>(ReadOnlySpan<byte> bytes)
        where T : class
    {
        if (bytes.IsEmpty)
        {
            throw new ApiProblemException(400, "malformed_json", "The body is empty.", "Send a JSON object.");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(bytes, Options)
                ?? throw new ApiProblemException(400, "malformed_json", "The body must be a JSON object.", "Send a JSON object, not null.");
        }
        catch (JsonException exception) when (exception.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            var field = exception.Path is { Length: > 2 } path ? path[2..] : "(unknown)";
            throw new ApiProblemException(400, "unknown_field", "The body has a member this endpoint does not accept.",
                $"Unknown member '{field}'.", new Dictionary<string, string[]> { [field] = ["Unknown member."] });
        }
        catch (JsonException exception)
        {
            var where = string.IsNullOrEmpty(exception.Path) ? "" : $" at {exception.Path}";
            throw new ApiProblemException(400, "malformed_json", "The body is not valid JSON for this endpoint.",
                $"The JSON could not be read{where} (line {exception.LineNumber + 1}).");
        }
    }
}
