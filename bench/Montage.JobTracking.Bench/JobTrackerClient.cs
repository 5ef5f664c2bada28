using Montage.Contracts.Jobs.V1;
using Montage.Grpc;
using Montage.Grpc.Client;

namespace Montage.JobTracking.Bench;

/// <summary>A typed client of montage.jobs.v1.JobTracker over the real HTTP/2 gRPC client.</summary>
public sealed class JobTrackerClient(GrpcChannel channel)
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = JobsReflection.Descriptor.Services[0];
    private static readonly Method<SubmitJobRequest, SubmitJobResponse> SubmitMethod = M<SubmitJobRequest, SubmitJobResponse>("Submit");
    private static readonly Method<SubmitGraphRequest, SubmitGraphResponse> SubmitGraphMethod = M<SubmitGraphRequest, SubmitGraphResponse>("SubmitGraph");
    private static readonly Method<GetJobRequest, Job> GetMethod = M<GetJobRequest, Job>("Get");
    private static readonly Method<ListJobsRequest, ListJobsResponse> ListMethod = M<ListJobsRequest, ListJobsResponse>("List");
    private static readonly Method<CancelJobRequest, Job> CancelMethod = M<CancelJobRequest, Job>("Cancel");
    private static readonly Method<RetryJobRequest, RetryJobResponse> RetryMethod = M<RetryJobRequest, RetryJobResponse>("Retry");
    private static readonly Method<WatchRequest, JobEvent> WatchMethod = M<WatchRequest, JobEvent>("Watch");
    private static readonly Method<LeaseRequest, LeaseResponse> LeaseMethod = M<LeaseRequest, LeaseResponse>("Lease");
    private static readonly Method<HeartbeatRequest, HeartbeatResponse> HeartbeatMethod = M<HeartbeatRequest, HeartbeatResponse>("Heartbeat");
    private static readonly Method<CheckpointRequest, CheckpointResponse> CheckpointMethod = M<CheckpointRequest, CheckpointResponse>("Checkpoint");
    private static readonly Method<ReportProgressRequest, ReportProgressResponse> ReportProgressMethod = M<ReportProgressRequest, ReportProgressResponse>("ReportProgress");
    private static readonly Method<CompleteRequest, Job> CompleteMethod = M<CompleteRequest, Job>("Complete");
    private static readonly Method<FailRequest, Job> FailMethod = M<FailRequest, Job>("Fail");
    private static readonly Method<DeliverProviderEventRequest, DeliverProviderEventResponse> DeliverMethod = M<DeliverProviderEventRequest, DeliverProviderEventResponse>("DeliverProviderEvent");

    private readonly CallInvoker _invoker = channel.CreateCallInvoker();

    public Task<SubmitJobResponse> SubmitAsync(JobSpec spec) => Unary(SubmitMethod, new SubmitJobRequest { Spec = spec });

    public Task<SubmitGraphResponse> SubmitGraphAsync(SubmitGraphRequest request) => Unary(SubmitGraphMethod, request);

    public Task<Job> GetAsync(string id, string owner = "") => Unary(GetMethod, new GetJobRequest { JobId = id, Owner = owner });

    public Task<ListJobsResponse> ListAsync(ListJobsRequest request) => Unary(ListMethod, request);

    public Task<Job> CancelAsync(string id, string owner = "", string reason = "") => Unary(CancelMethod, new CancelJobRequest { JobId = id, Owner = owner, Reason = reason });

    public Task<RetryJobResponse> RetryAsync(string id, bool includeDependents = false, string owner = "") =>
        Unary(RetryMethod, new RetryJobRequest { JobId = id, IncludeDependents = includeDependents, Owner = owner });

    public AsyncServerStreamingCall<JobEvent> Watch(WatchRequest request, CancellationToken cancellationToken = default) =>
        _invoker.AsyncServerStreamingCall(WatchMethod, null, new CallOptions(cancellationToken: cancellationToken), request);

    public Task<LeaseResponse> LeaseAsync(LeaseRequest request) => Unary(LeaseMethod, request);

    public Task<HeartbeatResponse> HeartbeatAsync(HeartbeatRequest request) => Unary(HeartbeatMethod, request);

    public Task<CheckpointResponse> CheckpointAsync(CheckpointRequest request) => Unary(CheckpointMethod, request);

    public Task<ReportProgressResponse> ReportProgressAsync(ReportProgressRequest request) => Unary(ReportProgressMethod, request);

    public Task<Job> CompleteAsync(CompleteRequest request) => Unary(CompleteMethod, request);

    public Task<Job> FailAsync(FailRequest request) => Unary(FailMethod, request);

    public Task<DeliverProviderEventResponse> DeliverProviderEventAsync(DeliverProviderEventRequest request) => Unary(DeliverMethod, request);

    private async Task<TResponse> Unary<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse>
    {
        using var call = _invoker.AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow.AddMinutes(2)), request);
        return await call.ResponseAsync;
    }

    private static Method<TRequest, TResponse> M<TRequest, TResponse>(string name)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse> =>
        Method<TRequest, TResponse>.FromDescriptor(Service.FindMethodByName(name));
}
