using System.Text.Json.Nodes;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Tests.Abstractions;

public sealed class ProviderAbstractionsUnitTests
{
    [Fact]
    public void A_handle_round_trips_through_its_serialised_form()
    {
        var handle = new ProviderJobHandle("fal", "req-1", "fal-ai/x/y")
            .WithProperty("status_url", "https://q/a/b/requests/req-1/status")
            .WithProperty("cancel_url", "https://q/a/b/requests/req-1/cancel");

        var text = handle.Serialize();
        var parsed = ProviderJobHandle.Parse(text);

        Assert.Equal(handle, parsed);
        Assert.Equal(handle.GetHashCode(), parsed.GetHashCode());
        Assert.Equal(text, parsed.Serialize());
        Assert.Equal("https://q/a/b/requests/req-1/status", parsed.GetProperty("status_url"));
        Assert.Equal("fal:req-1", parsed.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"p\":\"fal\"}")]
    public void Text_that_is_not_a_handle_is_rejected(string text)
    {
        Assert.Throws<FormatException>(() => ProviderJobHandle.Parse(text));
        Assert.False(ProviderJobHandle.TryParse(text, out _));
    }

    [Fact]
    public void Only_rate_limited_and_transient_errors_are_retryable()
    {
        var retryable = Enum.GetValues<ProviderErrorKind>().Where(k => new ProviderError(k, null, "m").IsRetryable).ToArray();

        Assert.Equal([ProviderErrorKind.RateLimited, ProviderErrorKind.Transient], retryable);
    }

    [Fact]
    public void Statuses_carry_only_what_their_state_means()
    {
        Assert.Equal(3, ProviderStatus.Queued(3).QueuePosition);
        Assert.False(ProviderStatus.Running().IsTerminal);
        Assert.True(ProviderStatus.Completed(metrics: new JsonObject()).IsTerminal);
        var failed = ProviderStatus.Failed(new ProviderError(ProviderErrorKind.ContentPolicy, "c", "m"));
        Assert.Equal(ProviderJobState.Failed, failed.State);
        Assert.Throws<ArgumentNullException>(() => ProviderStatus.Failed(null!));
    }

    [Fact]
    public void Webhook_headers_are_case_insensitive()
    {
        var request = new WebhookRequest([new("X-Fal-Webhook-Signature", "ab")], new byte[] { 1 });

        Assert.Equal("ab", request.GetHeader("x-fal-webhook-signature"));
        Assert.Null(request.GetHeader("missing"));
    }

    [Fact]
    public void Two_providers_with_one_name_are_a_configuration_error()
    {
        Assert.Throws<InvalidOperationException>(() => new ProviderRegistry([new NamedOnly("fal"), new NamedOnly("FAL")]));
    }

    private sealed class NamedOnly(string name) : IGenerationProvider
    {
        public string Name => name;

        public Task<ProviderSubmission> SubmitAsync(ProviderSubmitRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ProviderStatus> GetStatusAsync(ProviderJobHandle handle, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ProviderResult> GetResultAsync(ProviderJobHandle handle, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<CancelOutcome> CancelAsync(ProviderJobHandle handle, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<UploadedFile> UploadAsync(Stream content, string contentType, string fileName, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<WebhookVerification> VerifyWebhookAsync(WebhookRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
