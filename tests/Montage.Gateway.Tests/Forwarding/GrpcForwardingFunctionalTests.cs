using System.Net;
using Google.Protobuf.WellKnownTypes;
using Montage.Clients;
using Montage.Contracts.Assets.V1;
using Montage.Contracts.Jobs.V1;
using Montage.Gateway.Tests.Infrastructure;
using Montage.Grpc;
using Montage.Grpc.Client;

namespace Montage.Gateway.Tests.Forwarding;

/// <summary>
/// gRPC calls to the gateway's h2c endpoint, forwarded to JobTracking and AssetStorage after the API-key check, with
/// the key's owner imposed on every request.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class GrpcForwardingFunctionalTests(GatewayFixture fixture) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(fixture.App.GetEndpoint(GatewayFixture.GatewayName, "grpc"));

    public void Dispose() => _channel.Dispose();

    private JobTrackerClient Jobs => new(_channel.CreateCallInvoker());

    private static CallOptions WithKey(string? key)
    {
        var headers = new Metadata();
        if (key is not null)
        {
            headers.Add("authorization", "Bearer " + key);
        }

        return new CallOptions(headers, DateTime.UtcNow.AddMinutes(2));
    }

    private static JobSpec Spec(string owner) => new()
    {
        Kind = GatewayFixture.TestKind,
        ModelId = "test/model",
        InputJson = "{\"prompt\":\"" + Guid.NewGuid().ToString("N") + "\"}",
        Owner = owner,
    };

    [Fact]
    public async Task A_call_without_a_key_is_unauthenticated_as_a_grpc_status()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Jobs.GetAsync(new GetJobRequest { JobId = "job_x" }, WithKey(null)));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task A_call_with_an_unknown_key_is_unauthenticated()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Jobs.GetAsync(new GetJobRequest { JobId = "job_x" }, WithKey("mk_unknown_0123456789abcdef0123456789")));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task A_call_over_the_keys_rate_limit_is_resource_exhausted_as_a_grpc_status()
    {
        using var tenant = await fixture.NewTenantAsync(requestsPerMinute: 3);
        var job = (await Jobs.SubmitAsync(new SubmitJobRequest { Spec = Spec(tenant.Owner) }, WithKey(tenant.Key))).Job;
        var answered = 1;
        RpcException? limited = null;
        for (var i = 0; i < 6 && limited is null; i++)
        {
            try
            {
                Assert.Equal(job.Id, (await Jobs.GetAsync(new GetJobRequest { JobId = job.Id }, WithKey(tenant.Key))).Id);
                answered++;
            }
            catch (RpcException error)
            {
                limited = error;
            }
        }

        Assert.NotNull(limited);
        Assert.True(limited.StatusCode == StatusCode.ResourceExhausted, $"{limited.StatusCode}: {limited.Status.Detail}");
        Assert.Contains("Retry after", limited.Status.Detail, StringComparison.Ordinal);
        Assert.True(answered >= 3, $"only {answered} calls were answered before the limit");
    }

    [Fact]
    public async Task A_submit_is_owned_by_the_keys_owner_whatever_owner_the_message_names()
    {
        using var tenant = await fixture.NewTenantAsync();

        var submitted = await Jobs.SubmitAsync(new SubmitJobRequest { Spec = Spec("someone-else") }, WithKey(tenant.Key));

        Assert.Equal(tenant.Owner, submitted.Job.Owner);
        using var response = await tenant.Client.GetAsync($"/v1/jobs/{submitted.Job.Id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Another_owners_job_is_not_found_even_when_the_message_names_that_owner()
    {
        using var victim = await fixture.NewTenantAsync();
        using var intruder = await fixture.NewTenantAsync();
        var job = (await Jobs.SubmitAsync(new SubmitJobRequest { Spec = Spec(victim.Owner) }, WithKey(victim.Key))).Job;

        var error = await Assert.ThrowsAsync<RpcException>(() => Jobs.GetAsync(new GetJobRequest { JobId = job.Id, Owner = victim.Owner }, WithKey(intruder.Key)));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(job.Id, (await Jobs.GetAsync(new GetJobRequest { JobId = job.Id }, WithKey(victim.Key))).Id);
    }

    [Fact]
    public async Task Worker_methods_are_not_reachable_through_the_gateway()
    {
        using var tenant = await fixture.NewTenantAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => Jobs.LeaseAsync(
            new LeaseRequest { WorkerId = "intruder", Kinds = { GatewayFixture.TestKind }, MaxWait = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) },
            WithKey(tenant.Key)));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task A_client_stream_without_a_key_is_unauthenticated_before_any_message_is_read()
    {
        var upload = Method<UploadRequest, Asset>.FromDescriptor(AssetStoreClient.Service.FindMethodByName("Upload"));
        using var call = _channel.CreateCallInvoker().AsyncClientStreamingCall(upload, null, WithKey(null));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(new UploadRequest { Metadata = new UploadMetadata { Owner = "anyone", Name = "x.bin" } });
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Watch_streams_a_jobs_events_through_the_gateway_to_its_terminal_event()
    {
        using var tenant = await fixture.NewTenantAsync();
        var job = (await Jobs.SubmitAsync(new SubmitJobRequest { Spec = Spec(tenant.Owner) }, WithKey(tenant.Key))).Job;
        await Jobs.CancelAsync(new CancelJobRequest { JobId = job.Id, Owner = "someone-else" }, WithKey(tenant.Key));
        var watch = Method<WatchRequest, JobEvent>.FromDescriptor(JobTrackerClient.Service.FindMethodByName("Watch"));

        using var call = _channel.CreateCallInvoker().AsyncServerStreamingCall(watch, null, WithKey(tenant.Key), new WatchRequest { JobId = job.Id });
        var types = new List<string>();
        await foreach (var jobEvent in call.ResponseStream.ReadAllAsync())
        {
            Assert.Equal(job.Id, jobEvent.JobId);
            types.Add(jobEvent.Type);
        }

        Assert.Equal("job.queued", types[0]);
        Assert.Equal("job.canceled", types[^1]);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task A_method_the_gateway_does_not_know_is_unimplemented()
    {
        using var tenant = await fixture.NewTenantAsync();
        var unknown = new Method<GetJobRequest, Job>(MethodType.Unary, "montage.jobs.v1.JobTracker", "Erase", GetJobRequest.Parser, Job.Parser);
        using var call = _channel.CreateCallInvoker().AsyncUnaryCall(unknown, null, WithKey(tenant.Key), new GetJobRequest { JobId = "job_x" });

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }
}
