using System.Text.Json.Nodes;
using Montage.FakeProviders;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Tests.Fal;

/// <summary>
/// <see cref="IGenerationProvider.Resume"/> for fal: a request known only by its id (a checkpoint, or a webhook being
/// reconciled) gets the same status, result and cancel URLs submit returned, and an id the account does not own is
/// refused as not found, which is what lets a worker confirm a request before adopting it.
/// </summary>
public sealed class FalResumeFunctionalTests : IClassFixture<FalFixture>
{
    private const string Kling21 = "fal-ai/kling-video/v2.1/pro/image-to-video";
    private readonly FalFixture fixture;

    public FalResumeFunctionalTests(FalFixture fixture)
    {
        this.fixture = fixture;
        fixture.Fake.Reset();
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
    }

    [Fact]
    public async Task A_request_resumed_by_id_in_another_client_has_the_submit_urls_and_yields_its_result()
    {
        var submission = await fixture.CreateProvider().SubmitAsync(
            new ProviderSubmitRequest(Kling21, new JsonObject { ["prompt"] = "p", ["image_url"] = "https://a/b.png" }), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);

        IGenerationProvider other = fixture.CreateProvider();
        var handle = other.Resume(submission.RequestId, Kling21);

        Assert.Equal(submission.Handle, handle);
        Assert.Equal(ProviderJobState.Completed, (await other.GetStatusAsync(handle, default)).State);
        Assert.Single((await other.GetResultAsync(handle, default)).Files);
        Assert.Equal(1, fixture.Fake.Jobs.TotalSubmits);
    }

    [Fact]
    public async Task A_request_id_the_account_does_not_own_is_not_found()
    {
        IGenerationProvider fal = fixture.CreateProvider();
        var handle = fal.Resume("someone-elses-" + Guid.NewGuid().ToString("N"), Kling21);

        var refused = await Assert.ThrowsAsync<ProviderException>(() => fal.GetStatusAsync(handle, default));

        Assert.Equal(ProviderErrorKind.NotFound, refused.Error.Kind);
        Assert.Equal(0, fixture.Fake.Jobs.TotalSubmits);
    }
}
