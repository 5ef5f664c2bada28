using System.Net;
using System.Text.Json.Nodes;

namespace Montage.Gateway.Tests.Infrastructure;

/// <summary>Checks that an answer is an RFC 9457 problem with the expected status and stable code.</summary>
public static class ProblemAssert
{
    public static async Task<JsonObject> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? code = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()), "problem without title");
        var actualCode = problem["code"]?.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(actualCode), "problem without code: " + text);
        if (code is not null)
        {
            Assert.Equal(code, actualCode);
        }

        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        return problem;
    }
}
