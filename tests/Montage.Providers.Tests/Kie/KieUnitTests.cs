using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Montage.Providers.Abstractions;
using Montage.Providers.Fal;
using Montage.Providers.Kie;
using Montage.Providers.Tests.Support;

namespace Montage.Providers.Tests.Kie;

public sealed class KieUnitTests
{
    [Theory]
    [InlineData(401, ProviderErrorKind.Unauthorized, false)]
    [InlineData(402, ProviderErrorKind.InsufficientCredits, false)]
    [InlineData(404, ProviderErrorKind.NotFound, false)]
    [InlineData(422, ProviderErrorKind.Validation, false)]
    [InlineData(429, ProviderErrorKind.RateLimited, true)]
    [InlineData(433, ProviderErrorKind.RateLimited, true)]
    [InlineData(455, ProviderErrorKind.Transient, true)]
    [InlineData(500, ProviderErrorKind.Transient, true)]
    [InlineData(501, ProviderErrorKind.GenerationFailed, false)]
    [InlineData(505, ProviderErrorKind.Validation, false)]
    [InlineData(999, ProviderErrorKind.Unknown, false)]
    public void Codes_are_classified(int code, ProviderErrorKind kind, bool retryable)
    {
        var error = KieCodes.Classify(code, "m");

        Assert.Equal(kind, error.Kind);
        Assert.Equal(retryable, error.IsRetryable);
    }

    [Fact]
    public void Only_429_455_and_503_prove_a_create_was_not_accepted()
    {
        Assert.Equal([429, 455, 503], new[] { 200, 401, 402, 422, 429, 433, 455, 500, 501, 503, 505 }.Where(KieCodes.SubmitNotAccepted).ToArray());
    }

    [Fact]
    public void An_envelope_error_inside_http_200_is_the_outcome()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK);

        var envelope = KieEnvelope.Read(response, "{\"code\":402,\"msg\":\"Credits insufficient\",\"data\":null}");

        Assert.False(envelope.IsSuccess);
        Assert.Equal(402, envelope.Code);
        Assert.Equal("Credits insufficient", envelope.Message);
    }

    [Fact]
    public void An_http_error_wins_over_a_body_claiming_success()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.BadGateway);

        Assert.Equal(502, KieEnvelope.Read(response, "{\"code\":200}").Code);
        Assert.Equal(502, KieEnvelope.Read(response, "<html>").Code);
    }

    [Fact]
    public void Result_json_is_a_string_holding_the_result_urls()
    {
        var record = KieTaskRecord.From(JsonNode.Parse("""
            {"taskId":"t1","state":"success","resultJson":"{\"resultUrls\":[\"https://cdn/x.mp4\",\"https://cdn/y.png\"]}","failCode":"","failMsg":""}
            """))!;

        Assert.Equal(ProviderJobState.Completed, record.ToStatus().State);
        Assert.Equal(["video/mp4", "image/png"], record.Files().Select(f => f.ContentType!).ToArray());
        Assert.Equal("x.mp4", record.Files()[0].FileName);
    }

    [Theory]
    [InlineData("waiting", ProviderJobState.Queued)]
    [InlineData("queuing", ProviderJobState.Queued)]
    [InlineData("generating", ProviderJobState.Running)]
    [InlineData("success", ProviderJobState.Completed)]
    [InlineData("fail", ProviderJobState.Failed)]
    public void States_map_to_provider_states(string state, ProviderJobState expected)
    {
        Assert.Equal(expected, KieTaskRecord.From(new JsonObject { ["taskId"] = "t", ["state"] = state })!.ToStatus().State);
    }

    [Fact]
    public void A_numeric_fail_code_and_message_become_the_failure()
    {
        var record = KieTaskRecord.From(JsonNode.Parse("{\"taskId\":\"t\",\"state\":\"fail\",\"failCode\":422,\"failMsg\":\"bad image\"}"))!;

        var error = record.ToStatus().Error!;

        Assert.Equal((ProviderErrorKind.Validation, "422", "bad image"), (error.Kind, error.Code, error.Message));
    }

    [Fact]
    public void Options_never_print_the_keys()
    {
        var text = new KieOptions { ApiKey = "kie-secret", WebhookHmacKey = "hmac-secret" }.ToString();

        Assert.DoesNotContain("kie-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hmac-secret", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_key_fails_start_up_validation()
    {
        using var services = ProviderServices.Build(new Dictionary<string, string?>(), (s, c) => s.AddKieProvider(c));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(error.Failures, f => f.Contains("KIE_API_KEY", StringComparison.Ordinal));
    }

    [Fact]
    public void Both_providers_register_side_by_side_in_one_registry()
    {
        using var services = ProviderServices.Build(
            new Dictionary<string, string?> { ["KIE_API_KEY"] = "k", ["FAL_KEY"] = "f" },
            (s, c) => s.AddKieProvider(c).AddFalProvider(c));

        var registry = services.GetRequiredService<IProviderRegistry>();

        Assert.Equal(["fal", "kie"], registry.Names.Order(StringComparer.Ordinal).ToArray());
        Assert.IsType<KieProvider>(registry.Get("KIE"));
        Assert.IsType<FalProvider>(registry.Get("fal"));
        Assert.False(registry.TryGet("local", out _));
        Assert.Throws<KeyNotFoundException>(() => registry.Get("nope"));
    }
}
