using System.Text.Json.Nodes;
using Montage.FakeProviders;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Tests.Kie;

/// <summary><see cref="IGenerationProvider.Resume"/> for KIE: a task id alone is enough to query it; a foreign one is not found.</summary>
public sealed class KieResumeFunctionalTests : IClassFixture<KieFixture>
{
    private const string Image = "kling-3.0/image";
    private readonly KieFixture fixture;

    public KieResumeFunctionalTests(KieFixture fixture)
    {
        this.fixture = fixture;
        fixture.Fake.Reset();
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
    }

    [Fact]
    public async Task A_task_resumed_by_id_in_another_client_yields_its_result()
    {
        var submission = await fixture.CreateProvider().SubmitAsync(new ProviderSubmitRequest(Image, new JsonObject { ["prompt"] = "resumed" }), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);

        IGenerationProvider other = fixture.CreateProvider();
        var handle = other.Resume(submission.RequestId, Image);

        Assert.Equal(submission.RequestId, handle.RequestId);
        Assert.Equal(ProviderJobState.Completed, (await other.GetStatusAsync(handle, default)).State);
        Assert.NotEmpty((await other.GetResultAsync(handle, default)).Files);
    }

    [Fact]
    public async Task A_task_id_the_account_does_not_own_is_not_found()
    {
        IGenerationProvider kie = fixture.CreateProvider();
        var handle = kie.Resume("someone-elses-" + Guid.NewGuid().ToString("N"), Image);

        var refused = await Assert.ThrowsAsync<ProviderException>(() => kie.GetStatusAsync(handle, default));

        Assert.Equal(ProviderErrorKind.NotFound, refused.Error.Kind);
    }
}
