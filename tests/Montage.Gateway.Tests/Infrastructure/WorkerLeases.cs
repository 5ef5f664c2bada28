using Montage.Contracts.Jobs.V1;

namespace Montage.Gateway.Tests.Infrastructure;

/// <summary>Lets a test act as the worker of a fal job of a fresh owner: submitted, then leased by the test itself.</summary>
public static class WorkerLeases
{
    public static async Task<LeasedJob> SubmitAndLeaseAsync(this GatewayFixture fixture, string workerId)
    {
        var owner = "owner-" + Guid.NewGuid().ToString("N")[..12];
        var submitted = await fixture.Jobs.SubmitAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { Kind = GatewayFixture.WorkerKind, ModelId = "fal-ai/kling-video/v2.1/pro/image-to-video", InputJson = "{}", Owner = owner },
        });

        // Leases go fairly across owners, so a job an earlier test left behind (its lease expired) can come first:
        // it is ended here and the lease asked again, until this test's own job is handed out.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var lease = await fixture.Jobs.LeaseAsync(new LeaseRequest
            {
                WorkerId = workerId,
                Kinds = { GatewayFixture.WorkerKind },
                MaxWait = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
            });
            var leased = Assert.Single(lease.Jobs);
            if (leased.Job.Id == submitted.Job.Id)
            {
                return leased;
            }

            await fixture.Jobs.FailAsync(new FailRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId, Error = new JobError { Code = "test_leftover" } });
        }

        throw new InvalidOperationException($"job {submitted.Job.Id} was never leased");
    }
}
