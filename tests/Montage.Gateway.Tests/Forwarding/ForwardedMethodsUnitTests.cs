using Montage.Contracts.Assets.V1;
using Montage.Contracts.Jobs.V1;
using Montage.Gateway.Forwarding;

namespace Montage.Gateway.Tests.Forwarding;

public sealed class ForwardedMethodsUnitTests
{
    [Theory]
    [InlineData("/montage.jobs.v1.JobTracker/Submit", true)]
    [InlineData("/montage.jobs.v1.JobTracker/SubmitGraph", true)]
    [InlineData("/montage.jobs.v1.JobTracker/Get", true)]
    [InlineData("/montage.jobs.v1.JobTracker/Watch", true)]
    [InlineData("/montage.jobs.v1.JobTracker/Lease", false)]
    [InlineData("/montage.jobs.v1.JobTracker/Complete", false)]
    [InlineData("/montage.jobs.v1.JobTracker/DeliverProviderEvent", false)]
    [InlineData("/montage.assets.v1.AssetStore/Stat", true)]
    public void Only_methods_whose_requests_name_an_owner_are_forwardable(string path, bool expected)
    {
        var method = ForwardedMethods.Find(path);

        Assert.NotNull(method);
        Assert.Equal(expected, ForwardedMethods.CarriesOwner(method.InputType));
    }

    [Fact]
    public void Unknown_paths_are_not_found() => Assert.Null(ForwardedMethods.Find("/montage.jobs.v1.JobTracker/Erase"));

    [Fact]
    public void Every_owner_of_a_graph_is_rewritten_including_nested_specs()
    {
        var request = new SubmitGraphRequest { Owner = "mallory", Nodes = { new GraphNode { LocalKey = "a", Spec = new JobSpec { Owner = "victim" } } } };

        ForwardedMethods.ImposeOwner(request, "alice");

        Assert.Equal("alice", request.Owner);
        Assert.Equal("alice", request.Nodes[0].Spec.Owner);
    }

    [Fact]
    public void An_owner_scope_is_rewritten_only_when_it_is_the_chosen_scope()
    {
        var byOwner = new WatchRequest { OwnerScope = "victim" };
        var byJob = new WatchRequest { JobId = "job_1" };

        ForwardedMethods.ImposeOwner(byOwner, "alice");
        ForwardedMethods.ImposeOwner(byJob, "alice");

        Assert.Equal("alice", byOwner.OwnerScope);
        Assert.Equal("alice", byOwner.Owner);
        Assert.Equal("job_1", byJob.JobId);
        Assert.Equal(WatchRequest.ScopeOneofCase.JobId, byJob.ScopeCase);
        Assert.Equal("alice", byJob.Owner);
    }

    [Fact]
    public void Upload_takes_its_owner_from_the_first_messages_metadata_and_only_chunks_after_it()
    {
        var rule = ForwardedMethods.StreamingRule(ForwardedMethods.Find("/montage.assets.v1.AssetStore/Upload")!);

        Assert.NotNull(rule);
        Assert.Equal(["metadata"], rule.OwnerFields.Select(field => field.Name));
        Assert.Equal([UploadRequest.MetadataFieldNumber], rule.RefusedLaterFields);
        Assert.True(rule.NamesOwner(new UploadRequest { Metadata = new UploadMetadata() }));
        Assert.False(rule.NamesOwner(new UploadRequest { Chunk = Google.Protobuf.ByteString.CopyFromUtf8("x") }));
        Assert.False(rule.NamesOwner(new UploadRequest()));
    }

    [Fact]
    public void Single_message_methods_have_no_streaming_rule() =>
        Assert.Null(ForwardedMethods.StreamingRule(ForwardedMethods.Find("/montage.jobs.v1.JobTracker/Watch")!));

    [Fact]
    public void Every_client_streaming_method_of_the_montage_services_has_been_reviewed()
    {
        // A new client-streaming or duplex method is refused until reviewed in ForwardedMethods; this lists them so
        // that adding one shows up here.
        var streaming = new[]
            {
                Montage.Contracts.Jobs.V1.JobsReflection.Descriptor,
                Montage.Contracts.Assets.V1.AssetsReflection.Descriptor,
                Montage.Contracts.Images.V1.ImagesReflection.Descriptor,
                Montage.Contracts.Compositing.V1.CompositingReflection.Descriptor,
                Montage.Contracts.Videos.V1.VideosReflection.Descriptor,
            }
            .SelectMany(file => file.Services).SelectMany(service => service.Methods)
            .Where(method => method.IsClientStreaming)
            .Select(method => (method.FullName, Forwarded: ForwardedMethods.StreamingRule(method) is not null))
            .ToList();

        Assert.Equal([("montage.assets.v1.AssetStore.Upload", true)], streaming);
    }

    [Fact]
    public void An_asset_source_is_cleared_so_a_client_cannot_claim_a_jobs_output()
    {
        var upload = new UploadRequest { Metadata = new UploadMetadata { Owner = "victim", Source = new AssetSource { Type = "job_output", JobId = "job_x", Provider = "fal" } } };
        var import = new ImportFromUrlRequest { Url = "https://example.com/a.png", Source = new AssetSource { JobId = "job_x" } };

        ForwardedMethods.ImposeOwner(upload, "alice");
        ForwardedMethods.ImposeOwner(import, "alice");

        Assert.Equal("alice", upload.Metadata.Owner);
        Assert.Null(upload.Metadata.Source);
        Assert.Equal("alice", import.Owner);
        Assert.Null(import.Source);
    }
}
