using Montage.Contracts.Jobs.V1;
using Montage.Grpc;
using Montage.Grpc.Client;

namespace Montage.Clients;

/// <summary>Typed client of <c>montage.jobs.v1.JobTracker</c>.</summary>
public sealed class JobTrackerClient(CallInvoker invoker) : TypedClient(invoker)
{
    /// <summary>The service's descriptor.</summary>
    public static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = JobsReflection.Descriptor.Services[0];

    private static readonly Method<SubmitJobRequest, SubmitJobResponse> SubmitMethod = MethodOf<SubmitJobRequest, SubmitJobResponse>(Service, "Submit");
    private static readonly Method<SubmitGraphRequest, SubmitGraphResponse> SubmitGraphMethod = MethodOf<SubmitGraphRequest, SubmitGraphResponse>(Service, "SubmitGraph");
    private static readonly Method<GetJobRequest, Job> GetMethod = MethodOf<GetJobRequest, Job>(Service, "Get");
    private static readonly Method<ListJobsRequest, ListJobsResponse> ListMethod = MethodOf<ListJobsRequest, ListJobsResponse>(Service, "List");
    private static readonly Method<CancelJobRequest, Job> CancelMethod = MethodOf<CancelJobRequest, Job>(Service, "Cancel");
    private static readonly Method<RetryJobRequest, RetryJobResponse> RetryMethod = MethodOf<RetryJobRequest, RetryJobResponse>(Service, "Retry");
    private static readonly Method<LeaseRequest, LeaseResponse> LeaseMethod = MethodOf<LeaseRequest, LeaseResponse>(Service, "Lease");
    private static readonly Method<HeartbeatRequest, HeartbeatResponse> HeartbeatMethod = MethodOf<HeartbeatRequest, HeartbeatResponse>(Service, "Heartbeat");
    private static readonly Method<CheckpointRequest, CheckpointResponse> CheckpointMethod = MethodOf<CheckpointRequest, CheckpointResponse>(Service, "Checkpoint");
    private static readonly Method<ReportProgressRequest, ReportProgressResponse> ReportProgressMethod = MethodOf<ReportProgressRequest, ReportProgressResponse>(Service, "ReportProgress");
    private static readonly Method<CompleteRequest, Job> CompleteMethod = MethodOf<CompleteRequest, Job>(Service, "Complete");
    private static readonly Method<FailRequest, Job> FailMethod = MethodOf<FailRequest, Job>(Service, "Fail");
    private static readonly Method<DeliverProviderEventRequest, DeliverProviderEventResponse> DeliverProviderEventMethod = MethodOf<DeliverProviderEventRequest, DeliverProviderEventResponse>(Service, "DeliverProviderEvent");
    private static readonly Method<WatchRequest, JobEvent> WatchMethod = MethodOf<WatchRequest, JobEvent>(Service, "Watch");

    /// <summary>Submits a job (idempotent per owner and idempotency key).</summary>
    public Task<SubmitJobResponse> SubmitAsync(SubmitJobRequest request, CancellationToken cancellationToken = default) => UnaryAsync(SubmitMethod, request, Options(cancellationToken));

    /// <summary>Submits a job (idempotent per owner and idempotency key).</summary>
    public Task<SubmitJobResponse> SubmitAsync(SubmitJobRequest request, CallOptions options) => UnaryAsync(SubmitMethod, request, options);

    /// <summary>Submits jobs that depend on each other, in one transaction.</summary>
    public Task<SubmitGraphResponse> SubmitGraphAsync(SubmitGraphRequest request, CancellationToken cancellationToken = default) => UnaryAsync(SubmitGraphMethod, request, Options(cancellationToken));

    /// <summary>Submits jobs that depend on each other, in one transaction.</summary>
    public Task<SubmitGraphResponse> SubmitGraphAsync(SubmitGraphRequest request, CallOptions options) => UnaryAsync(SubmitGraphMethod, request, options);

    /// <summary>One job, scoped to its owner.</summary>
    public Task<Job> GetAsync(GetJobRequest request, CancellationToken cancellationToken = default) => UnaryAsync(GetMethod, request, Options(cancellationToken));

    /// <summary>One job, scoped to its owner.</summary>
    public Task<Job> GetAsync(GetJobRequest request, CallOptions options) => UnaryAsync(GetMethod, request, options);

    /// <summary>A page of jobs.</summary>
    public Task<ListJobsResponse> ListAsync(ListJobsRequest request, CancellationToken cancellationToken = default) => UnaryAsync(ListMethod, request, Options(cancellationToken));

    /// <summary>A page of jobs.</summary>
    public Task<ListJobsResponse> ListAsync(ListJobsRequest request, CallOptions options) => UnaryAsync(ListMethod, request, options);

    /// <summary>Cancels a job; a running one is canceled at its provider by its worker.</summary>
    public Task<Job> CancelAsync(CancelJobRequest request, CancellationToken cancellationToken = default) => UnaryAsync(CancelMethod, request, Options(cancellationToken));

    /// <summary>Cancels a job; a running one is canceled at its provider by its worker.</summary>
    public Task<Job> CancelAsync(CancelJobRequest request, CallOptions options) => UnaryAsync(CancelMethod, request, options);

    /// <summary>Re-runs a failed or canceled job (and optionally its dependents).</summary>
    public Task<RetryJobResponse> RetryAsync(RetryJobRequest request, CancellationToken cancellationToken = default) => UnaryAsync(RetryMethod, request, Options(cancellationToken));

    /// <summary>Re-runs a failed or canceled job (and optionally its dependents).</summary>
    public Task<RetryJobResponse> RetryAsync(RetryJobRequest request, CallOptions options) => UnaryAsync(RetryMethod, request, options);

    /// <summary>Long-polls for jobs of the worker's kinds. Give a deadline beyond the request's max_wait.</summary>
    public Task<LeaseResponse> LeaseAsync(LeaseRequest request, CancellationToken cancellationToken = default) => UnaryAsync(LeaseMethod, request, Options(cancellationToken));

    /// <summary>Long-polls for jobs of the worker's kinds. Give a deadline beyond the request's max_wait.</summary>
    public Task<LeaseResponse> LeaseAsync(LeaseRequest request, CallOptions options) => UnaryAsync(LeaseMethod, request, options);

    /// <summary>Extends a lease; tells the worker when the job was canceled.</summary>
    public Task<HeartbeatResponse> HeartbeatAsync(HeartbeatRequest request, CancellationToken cancellationToken = default) => UnaryAsync(HeartbeatMethod, request, Options(cancellationToken));

    /// <summary>Extends a lease; tells the worker when the job was canceled.</summary>
    public Task<HeartbeatResponse> HeartbeatAsync(HeartbeatRequest request, CallOptions options) => UnaryAsync(HeartbeatMethod, request, options);

    /// <summary>Records the provider request id before anything else happens to it.</summary>
    public Task<CheckpointResponse> CheckpointAsync(CheckpointRequest request, CancellationToken cancellationToken = default) => UnaryAsync(CheckpointMethod, request, Options(cancellationToken));

    /// <summary>Records the provider request id before anything else happens to it.</summary>
    public Task<CheckpointResponse> CheckpointAsync(CheckpointRequest request, CallOptions options) => UnaryAsync(CheckpointMethod, request, options);

    /// <summary>Reports progress and provider log lines.</summary>
    public Task<ReportProgressResponse> ReportProgressAsync(ReportProgressRequest request, CancellationToken cancellationToken = default) => UnaryAsync(ReportProgressMethod, request, Options(cancellationToken));

    /// <summary>Reports progress and provider log lines.</summary>
    public Task<ReportProgressResponse> ReportProgressAsync(ReportProgressRequest request, CallOptions options) => UnaryAsync(ReportProgressMethod, request, options);

    /// <summary>Completes a leased job with its outputs and actual cost.</summary>
    public Task<Job> CompleteAsync(CompleteRequest request, CancellationToken cancellationToken = default) => UnaryAsync(CompleteMethod, request, Options(cancellationToken));

    /// <summary>Completes a leased job with its outputs and actual cost.</summary>
    public Task<Job> CompleteAsync(CompleteRequest request, CallOptions options) => UnaryAsync(CompleteMethod, request, options);

    /// <summary>Fails a leased job, retryable or not.</summary>
    public Task<Job> FailAsync(FailRequest request, CancellationToken cancellationToken = default) => UnaryAsync(FailMethod, request, Options(cancellationToken));

    /// <summary>Fails a leased job, retryable or not.</summary>
    public Task<Job> FailAsync(FailRequest request, CallOptions options) => UnaryAsync(FailMethod, request, options);

    /// <summary>Hands a verified provider webhook to the job it belongs to; durable when this returns.</summary>
    public Task<DeliverProviderEventResponse> DeliverProviderEventAsync(DeliverProviderEventRequest request, CancellationToken cancellationToken = default) => UnaryAsync(DeliverProviderEventMethod, request, Options(cancellationToken));

    /// <summary>Hands a verified provider webhook to the job it belongs to; durable when this returns.</summary>
    public Task<DeliverProviderEventResponse> DeliverProviderEventAsync(DeliverProviderEventRequest request, CallOptions options) => UnaryAsync(DeliverProviderEventMethod, request, options);

    /// <summary>Follows a job, an owner or a production: a replay after <c>after_sequence</c>, then live events. No deadline: it lasts until canceled.</summary>
    public AsyncServerStreamingCall<JobEvent> Watch(WatchRequest request, CancellationToken cancellationToken = default) =>
        Invoker.AsyncServerStreamingCall(WatchMethod, null, new CallOptions(cancellationToken: cancellationToken), request);
}
