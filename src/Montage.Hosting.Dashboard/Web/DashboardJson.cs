using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Montage.Hosting.Dashboard.Web;

/// <summary>JSON as the dashboard's pages expect it: camelCase, enums as names.</summary>
internal static class DashboardJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize(object value) => JsonSerializer.Serialize(value, Options);

    public static async Task Write(HttpContext context, object value, int status = StatusCodes.Status200OK)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, Options, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>An RFC 9457 problem details answer with a stable type.</summary>
    public static async Task Problem(HttpContext context, int status, string code, string title, string? detail = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        var problem = new Dictionary<string, object?>
        {
            ["type"] = "https://montage.dev/problems/dashboard/" + code,
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
            ["code"] = code,
        };
        await JsonSerializer.SerializeAsync(context.Response.Body, problem, Options, context.RequestAborted).ConfigureAwait(false);
    }
}
