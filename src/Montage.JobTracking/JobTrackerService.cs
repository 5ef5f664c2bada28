using Montage.Contracts.Jobs.V1;
using Montage.Grpc;
using Montage.Grpc.Server;
using Montage.JobTracking.Cancel;
using Montage.JobTracking.Checkpoint;
using Montage.JobTracking.Complete;
using Montage.JobTracking.Fail;
using Montage.JobTracking.Get;
using Montage.JobTracking.Heartbeat;
using Montage.JobTracking.Leasing;
using Montage.JobTracking.List;
using Montage.JobTracking.Progress;
using Montage.JobTracking.ProviderEvents;
using Montage.JobTracking.Retry;
using Montage.JobTracking.Submit;
using Montage.JobTracking.Watch;
using Npgsql;

namespace Montage.JobTracking;

/// <summary>
/// montage.jobs.v1.JobTracker: thin gRPC methods, one handler per RPC. A database that cannot be reached is
/// UNAVAILABLE (the caller may retry); anything unexpected becomes INTERNAL without detail (the server does that).
/// </summary>
internal sealed partial class JobTrackerService(
    SubmitJobHandler submit,
    SubmitGraphHandler submitGraph,
    GetJobHandler get,
    ListJobsHandler list,
    CancelJobHandler cancel,
    RetryJobHandler retry,
    WatchHandler watch,
    LeaseHandler lease,
    HeartbeatHandler heartbeat,
    CheckpointHandler checkpoint,
    ReportProgressHandler reportProgress,
    CompleteHandler complete,
    FailHandler fail,
    DeliverProviderEventHandler deliverProviderEvent,
    ILogger<JobTrackerService> logger) : IGrpcService
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => JobsReflection.Descriptor.Services[0];

    public Task<SubmitJobResponse> Submit(SubmitJobRequest request, ServerCallContext context) =>
        Guard(() => submit.HandleAsync(request, context.CancellationToken));

    public Task<SubmitGraphResponse> SubmitGraph(SubmitGraphRequest request, ServerCallContext context) =>
        Guard(() => submitGraph.HandleAsync(request, context.CancellationToken));

    public Task<Job> Get(GetJobRequest request, ServerCallContext context) =>
        Guard(() => get.HandleAsync(request, context.CancellationToken));

    public Task<ListJobsResponse> List(ListJobsRequest request, ServerCallContext context) =>
        Guard(() => list.HandleAsync(request, context.CancellationToken));

    public Task<Job> Cancel(CancelJobRequest request, ServerCallContext context) =>
        Guard(() => cancel.HandleAsync(request, context.CancellationToken));

    public Task<RetryJobResponse> Retry(RetryJobRequest request, ServerCallContext context) =>
        Guard(() => retry.HandleAsync(request, context.CancellationToken));

    public Task Watch(WatchRequest request, IServerStreamWriter<JobEvent> responseStream, ServerCallContext context) =>
        Guard(async () =>
        {
            await watch.HandleAsync(request, responseStream, context.CancellationToken).ConfigureAwait(false);
            return true;
        });

    public Task<LeaseResponse> Lease(LeaseRequest request, ServerCallContext context) =>
        Guard(() => lease.HandleAsync(request, context.CancellationToken));

    public Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context) =>
        Guard(() => heartbeat.HandleAsync(request, context.CancellationToken));

    public Task<CheckpointResponse> Checkpoint(CheckpointRequest request, ServerCallContext context) =>
        Guard(() => checkpoint.HandleAsync(request, context.CancellationToken));

    public Task<ReportProgressResponse> ReportProgress(ReportProgressRequest request, ServerCallContext context) =>
        Guard(() => reportProgress.HandleAsync(request, context.CancellationToken));

    public Task<Job> Complete(CompleteRequest request, ServerCallContext context) =>
        Guard(() => complete.HandleAsync(request, context.CancellationToken));

    public Task<Job> Fail(FailRequest request, ServerCallContext context) =>
        Guard(() => fail.HandleAsync(request, context.CancellationToken));

    public Task<DeliverProviderEventResponse> DeliverProviderEvent(DeliverProviderEventRequest request, ServerCallContext context) =>
        Guard(() => deliverProviderEvent.HandleAsync(request, context.CancellationToken));

    private async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (NpgsqlException exception) when (exception is not PostgresException || exception.IsTransient)
        {
            LogDatabaseUnavailable(logger, exception.GetType().Name);
            throw new RpcException(StatusCode.Unavailable, "the job database is unavailable; retry later");
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Job database unavailable ({Error}).")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string error);
}
