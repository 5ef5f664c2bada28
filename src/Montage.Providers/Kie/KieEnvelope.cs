using System.Text.Json.Nodes;
using Montage.Providers.Http;

namespace Montage.Providers.Kie;

/// <summary>KIE's <c>{"code","msg","data"}</c> answer; an unreadable body falls back to the HTTP status.</summary>
internal sealed record KieEnvelope(int Code, string? Message, JsonNode? Data)
{
    public bool IsSuccess => Code == KieCodes.Success;

    public static KieEnvelope Read(HttpResponseMessage response, string body)
    {
        var httpStatus = (int)response.StatusCode;
        if (JsonText.TryParse(body) is JsonObject json && JsonText.Long(json["code"]) is { } code)
        {
            // An HTTP error status wins over a body that claims success.
            var effective = httpStatus is >= 200 and < 300 ? (int)code : httpStatus;
            return new KieEnvelope(effective, JsonText.Text(json["msg"]), json["data"]);
        }

        return new KieEnvelope(httpStatus is >= 200 and < 300 ? -1 : httpStatus, null, null);
    }
}
