using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Montage.Providers.Abstractions;
using Montage.Providers.Fal;
using Montage.Providers.Tests.Support;

namespace Montage.Providers.Tests.Fal;

public sealed class FalUnitTests
{
    private static ProviderError Classify(int status, string body, params (string Name, string Value)[] headers)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body) };
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return FalErrors.FromResponse(response, body, TimeProvider.System);
    }

    [Theory]
    [InlineData(422, "{\"detail\":[{\"loc\":[\"body\",\"prompt\"],\"msg\":\"x\",\"type\":\"content_policy_violation\"}]}", ProviderErrorKind.ContentPolicy, "content_policy_violation")]
    [InlineData(422, "{\"detail\":[{\"loc\":[\"body\",\"image_url\"],\"msg\":\"x\",\"type\":\"image_too_small\"}]}", ProviderErrorKind.Validation, "image_too_small")]
    [InlineData(422, "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"x\",\"type\":\"file_download_error\"},{\"type\":\"content_policy_violation\"}]}", ProviderErrorKind.ContentPolicy, "file_download_error")]
    [InlineData(422, "{\"detail\":[{\"type\":\"no_media_generated\"}]}", ProviderErrorKind.GenerationFailed, "no_media_generated")]
    [InlineData(422, "not json", ProviderErrorKind.Validation, "422")]
    [InlineData(400, "{\"detail\":\"bad\",\"error_type\":\"bad_request\"}", ProviderErrorKind.Validation, "bad_request")]
    [InlineData(401, "{\"detail\":\"no\"}", ProviderErrorKind.Unauthorized, "401")]
    [InlineData(403, "{\"detail\":\"no\"}", ProviderErrorKind.Unauthorized, "403")]
    [InlineData(402, "{\"detail\":\"Exhausted balance\"}", ProviderErrorKind.InsufficientCredits, "402")]
    [InlineData(404, "{\"detail\":\"Request not found\"}", ProviderErrorKind.NotFound, "404")]
    [InlineData(429, "{\"detail\":\"slow down\"}", ProviderErrorKind.RateLimited, "429")]
    [InlineData(499, "{\"detail\":\"c\",\"error_type\":\"client_cancelled\"}", ProviderErrorKind.Cancelled, "client_cancelled")]
    [InlineData(500, "{\"detail\":\"e\",\"error_type\":\"internal_error\"}", ProviderErrorKind.Transient, "internal_error")]
    [InlineData(502, "{\"detail\":\"e\",\"error_type\":\"runner_disconnected\"}", ProviderErrorKind.Transient, "runner_disconnected")]
    [InlineData(503, "", ProviderErrorKind.Transient, "503")]
    [InlineData(504, "{\"detail\":\"t\",\"error_type\":\"startup_timeout\"}", ProviderErrorKind.Transient, "startup_timeout")]
    public void Error_answers_are_classified(int status, string body, ProviderErrorKind kind, string code)
    {
        var error = Classify(status, body);

        Assert.Equal(kind, error.Kind);
        Assert.Equal(code, error.Code);
        Assert.Equal(status, error.HttpStatus);
    }

    [Fact]
    public void A_504_with_user_timeout_type_is_a_final_start_timeout()
    {
        var error = Classify(504, "{\"detail\":\"t\"}", ("X-Fal-Request-Timeout-Type", "user"), ("X-Fal-Error-Type", "request_timeout"));

        Assert.Equal(ProviderErrorKind.StartTimeout, error.Kind);
        Assert.False(error.IsRetryable);
    }

    [Fact]
    public void The_error_type_header_wins_over_the_body()
    {
        Assert.Equal("runner_unavailable", Classify(503, "{\"detail\":\"x\",\"error_type\":\"internal_error\"}", ("X-Fal-Error-Type", "runner_unavailable")).Code);
    }

    [Fact]
    public void Retry_after_seconds_are_read()
    {
        Assert.Equal(TimeSpan.FromSeconds(7), Classify(429, "{}", ("Retry-After", "7")).RetryAfter);
    }

    [Fact]
    public void Output_files_are_found_wherever_the_model_puts_them()
    {
        var output = JsonNode.Parse("""
            {"images":[{"url":"https://cdn/a.png","content_type":"image/png","width":1024,"height":768,"file_size":123},
                       {"url":"https://cdn/b.jpeg"}],
             "video":{"url":"https://cdn/v.mp4","width":1920,"height":1080,"fps":25,"duration":"6.04"},
             "seed":5, "audio_file":{"url":"not a url"}}
            """);

        var files = FalOutputs.Files(output);

        Assert.Equal(["images[0]", "images[1]", "video"], files.Select(f => f.Name).ToArray());
        Assert.Equal((1024, 768, 123L), (files[0].Width!.Value, files[0].Height!.Value, files[0].SizeBytes!.Value));
        Assert.Equal("image/jpeg", files[1].ContentType);
        Assert.Equal("video/mp4", files[2].ContentType);
        Assert.Equal(6.04, files[2].DurationSeconds);
        Assert.Equal(25, files[2].FramesPerSecond);
    }

    [Fact]
    public void Handle_urls_fall_back_to_owner_and_name_without_the_sub_path()
    {
        var handle = FalHandle.Create("r1", "fal-ai/kling-video/v2.1/pro/image-to-video", new Uri("https://queue.fal.run/"), null, null, null);

        Assert.Equal("https://queue.fal.run/fal-ai/kling-video/requests/r1/status?logs=1", FalHandle.Status(handle).ToString());
        Assert.Equal("https://queue.fal.run/fal-ai/kling-video/requests/r1", FalHandle.Response(handle).ToString());
        Assert.Equal("https://queue.fal.run/fal-ai/kling-video/requests/r1/cancel", FalHandle.Cancel(handle).ToString());
        Assert.Equal("wan/v2.6", FalHandle.App("wan/v2.6/image-to-video"));
    }

    [Fact]
    public void The_status_url_keeps_its_query_and_adds_logs_once()
    {
        var handle = FalHandle.Create("r1", "a/b", new Uri("https://q"), "https://q/a/b/requests/r1/status?x=1", null, null);

        Assert.Equal("https://q/a/b/requests/r1/status?x=1&logs=1", FalHandle.Status(handle).ToString());
    }

    [Fact]
    public void A_handle_of_another_provider_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => FalHandle.Status(new ProviderJobHandle("kie", "t", "m")));
    }

    [Fact]
    public void Jwks_parsing_keeps_only_ed25519_okp_keys()
    {
        var jwks = """
            {"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
                     {"kty":"RSA","n":"abc","e":"AQAB"},
                     {"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
                     {"kty":"OKP","crv":"Ed25519","x":"short"}]}
            """;

        Assert.Single(FalJwksCache.Parse(jwks));
        Assert.Empty(FalJwksCache.Parse("not json"));
    }

    [Fact]
    public void Options_never_print_the_key()
    {
        var options = new FalOptions { Key = "id:very-secret" };

        Assert.DoesNotContain("very-secret", options.ToString(), StringComparison.Ordinal);
        Assert.Contains("<redacted>", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_is_read_from_fal_key_id_and_secret()
    {
        using var services = ProviderServices.Build(
            new Dictionary<string, string?> { ["FAL_KEY_ID"] = "id", ["FAL_KEY_SECRET"] = "secret" },
            (s, c) => s.AddFalProvider(c));

        Assert.Equal("id:secret", services.GetRequiredService<IOptions<FalOptions>>().Value.Key);
    }

    [Fact]
    public void A_missing_key_fails_start_up_validation_without_echoing_secrets()
    {
        using var services = ProviderServices.Build(
            new Dictionary<string, string?> { ["Providers:Fal:JwksCacheDuration"] = "2.00:00:00" },
            (s, c) => s.AddFalProvider(c));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(error.Failures, f => f.Contains("FAL_KEY", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("JwksCacheDuration", StringComparison.Ordinal));
    }

    [Fact]
    public void Registration_exposes_fal_through_the_registry()
    {
        using var services = ProviderServices.Build(new Dictionary<string, string?> { ["FAL_KEY"] = "k" }, (s, c) => s.AddFalProvider(c));

        var registry = services.GetRequiredService<IProviderRegistry>();

        Assert.Same(services.GetRequiredService<FalProvider>(), registry.Get("fal"));
        Assert.True(FalServiceCollectionExtensions.HasFalCredentials(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["FAL_KEY"] = "k" }).Build()));
    }
}
