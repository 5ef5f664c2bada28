using System.Text.Json.Nodes;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;
using Montage.Grpc.Client;
using Montage.Grpc;
using Montage.Providers.Abstractions;
using Montage.Providers.Catalog;

namespace Montage.Generation.Worker;

/// <summary>
/// Runs one leased job through its provider (shared/DESIGN.md §3): resolve inputs, submit, checkpoint the request id
/// before anything else, wait for the webhook wake-up or poll, import the outputs, complete with the cost. A job leased
/// with a checkpoint resumes that request and never submits again. Before a paid submit the worker records a submit
/// intent, so a submit whose outcome is unknown (its answer was lost, or the worker died before the request id's
/// Checkpoint) is known as such by whoever holds the job next, and is reconciled through the provider's webhook
/// (<see cref="SubmitReconciler"/>) instead of being sent again.
/// </summary>
internal sealed class JobRunner(
    JobTrackerClient jobs,
    ModelCatalog catalog,
    IProviderRegistry providers,
    InputResolver inputs,
    OutputImporter outputs,
    SubmitReconciler reconciler,
    IOptions<GenerationOptions> options,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<JobRunner> logger)
{
    private static readonly TimeSpan ReportDeadline = TimeSpan.FromSeconds(30);
    private readonly GenerationOptions _options = options.Value;

    public async Task RunAsync(LeasedJob leased, CancellationToken stopping)
    {
        var job = leased.Job;
        WorkerLog.Leased(logger, job.Id, job.ModelId, leased.Resume);
        var lease = new LeaseKeeper(jobs, job.Id, leased.LeaseId, _options, logger, stopping);
        await using (lease.ConfigureAwait(false))
        {
            try
            {
                var (named, cost) = await ExecuteAsync(leased, lease).ConfigureAwait(false);
                var complete = new CompleteRequest { JobId = job.Id, LeaseId = leased.LeaseId, ActualCostMicros = cost };
                complete.Outputs.Add(named);
                await ReportAsync(lease, () => jobs.CompleteAsync(complete, Deadline())).ConfigureAwait(false);
                WorkerLog.Succeeded(logger, job.Id, named.Values.Sum(o => o.AssetIds.Count), cost);
            }
            catch (OperationCanceledException) when (lease.Abandon.IsCancellationRequested)
            {
                // Lease lost or shutting down: the next holder of the lease resumes from the checkpoint.
            }
            catch (OperationCanceledException) when (lease.CancelRequested)
            {
                // Canceled before anything reached the provider (e.g. while inputs were being uploaded).
                await FailAsync(lease, Canceled(null, 0)).ConfigureAwait(false);
            }
            catch (JobFailureException failure)
            {
                await FailAsync(lease, failure).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                WorkerLog.Unexpected(logger, job.Id, e.GetType().Name, e);
                await FailAsync(lease, new JobFailureException("internal", "An internal error ended the job.", retryable: false)).ConfigureAwait(false);
            }
        }
    }

    private async Task<(Dictionary<string, OutputAssets> Outputs, long CostMicros)> ExecuteAsync(LeasedJob leased, LeaseKeeper lease)
    {
        var job = leased.Job;
        var (model, normalized) = Validate(job);
        if (!providers.TryGet(model.Provider, out var provider))
        {
            throw new JobFailureException(JobErrors.ProviderNotConfigured, $"Provider {model.Provider} has no credentials in this deployment.", retryable: false);
        }

        var timeout = job.Timeout is { } limit && limit.ToTimeSpan() > TimeSpan.Zero ? limit.ToTimeSpan() : model.Timeout;
        var started = time.GetUtcNow();
        var checkpointed = false;
        var estimateContext = new EstimateContext();
        ProviderJobHandle? handle = null;
        if (leased.Resume && job.ProviderCheckpoint is { RequestId.Length: > 0 } checkpoint)
        {
            handle = provider.Resume(checkpoint.RequestId, model.Endpoint!);
            started = checkpoint.SubmittedAt?.ToDateTimeOffset() ?? started;
            checkpointed = true;
            if (provider.Name == ProviderNames.Local && !await IsKnownAsync(provider, handle, lease).ConfigureAwait(false))
            {
                // Local renders live in the memory of the process that ran them, and cost nothing: run it again here.
                WorkerLog.LocalRerun(logger, job.Id, handle.RequestId);
                handle = null;
                started = time.GetUtcNow();
            }
            else
            {
                WorkerLog.Resuming(logger, job.Id, handle.Provider, handle.RequestId);
                estimateContext = (await inputs.MeasureAsync(model, normalized, job.Owner, lease.Abandon).ConfigureAwait(false)).Estimate;
            }
        }

        if (handle is null)
        {
            if (lease.CancelRequested)
            {
                throw Canceled(null, 0);
            }

            var resolved = await inputs.ResolveAsync(model, normalized, job.Owner, timeout + _options.InputUrlMargin, lease.Work).ConfigureAwait(false);
            estimateContext = resolved.Estimate;
            var webhook = WebhookUrl(model.Provider, job.Id);
            var request = ProviderRequestBuilder.BuildSubmitRequest(model, normalized, resolved.Media, webhook) with
            {
                OutputLifetime = model.Provider == ProviderNames.Fal ? _options.OutputLifetime : null,
            };

            if (provider.Name == ProviderNames.Local)
            {
                // Local renders are free and run in this process: no intent, nothing to reconcile. A resumed local job
                // already has its (lost) render checkpointed; a second request id would be refused.
                // Only hosted submits end without a handle (outcome unknown); the local engine's failures are thrown.
                handle = (await SubmitAsync(lease, provider, request, checkpoint: !checkpointed).ConfigureAwait(false))!;
            }
            else
            {
                var intent = await RecordIntentAsync(lease, provider.Name).ConfigureAwait(false);
                if (intent.SubmitOutcomeUnknown)
                {
                    // An earlier holder of this attempt may have submitted: its time bounds the wait, as a resume's would.
                    started = intent.Checkpoint?.SubmittedAt?.ToDateTimeOffset() ?? started;
                }
                else if (lease.CancelRequested)
                {
                    throw Canceled(null, 0);
                }
                else
                {
                    handle = await SubmitAsync(lease, provider, request, checkpoint: true).ConfigureAwait(false);
                }

                if (handle is null)
                {
                    handle = await reconciler.ReconcileAsync(lease, provider, model.Endpoint!, webhook is not null, started + timeout).ConfigureAwait(false);
                    await AdoptAsync(lease, handle, started).ConfigureAwait(false);
                }
            }

            checkpointed = true;
        }

        var estimate = CostEstimator.Estimate(model, normalized, estimateContext).MicroUsd;
        var reporter = new ProgressReporter(jobs, lease, model, handle, checkpointed, time, logger);
        var status = await WaitAsync(lease, provider, handle, reporter, started + timeout, estimate).ConfigureAwait(false);
        if (status.State == ProviderJobState.Failed)
        {
            throw JobErrors.From(status.Error!);
        }

        ProviderResult result;
        try
        {
            result = await provider.GetResultAsync(handle, lease.Abandon).ConfigureAwait(false);
        }
        catch (ProviderException e)
        {
            throw JobErrors.From(e.Error);
        }

        await reporter.ReportImportingAsync(lease.Abandon).ConfigureAwait(false);
        var named = await outputs.ImportAsync(job, model, result, lease.Abandon).ConfigureAwait(false);
        return (named, estimate);
    }

    private (ModelDefinition Model, JsonObject Normalized) Validate(Job job)
    {
        if (!catalog.TryGet(job.ModelId, out var model) || !model.Available || model.Kind != job.Kind)
        {
            throw new JobFailureException(JobErrors.UnknownModel, $"There is no usable {job.Kind} model '{job.ModelId}'.", retryable: false);
        }

        JsonObject? input;
        try
        {
            input = JsonNode.Parse(job.InputJson) as JsonObject;
        }
        catch (JsonException)
        {
            input = null;
        }

        var result = catalog.Validate(model.Id, input);
        if (!result.IsValid)
        {
            throw new JobFailureException(JobErrors.InvalidInput, string.Join("; ", result.Errors.Select(e => $"{e.Path}: {e.Message}")), retryable: false);
        }

        return (model, result.Normalized!);
    }

    private async Task<bool> IsKnownAsync(IGenerationProvider provider, ProviderJobHandle handle, LeaseKeeper lease)
    {
        try
        {
            await provider.GetStatusAsync(handle, lease.Abandon).ConfigureAwait(false);
            return true;
        }
        catch (ProviderException e) when (e.Error.Kind == ProviderErrorKind.NotFound)
        {
            return false;
        }
    }

    /// <summary>Sends the paid submit and checkpoints its request id; null when the outcome is unknown (reconcile it, never resend).</summary>
    private async Task<ProviderJobHandle?> SubmitAsync(LeaseKeeper lease, IGenerationProvider provider, ProviderSubmitRequest request, bool checkpoint)
    {
        // Not tied to shutdown: a paid submit is never abandoned between being sent and being checkpointed.
        using var critical = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        ProviderSubmission submission;
        try
        {
            submission = await provider.SubmitAsync(request, critical.Token).ConfigureAwait(false);
        }
        catch (ProviderException e) when (e.Error.Kind == ProviderErrorKind.OutcomeUnknown && provider.Name != ProviderNames.Local)
        {
            // The provider may have accepted (and will bill) a request whose id we never learned: resubmitting could
            // pay twice. The submit intent stays recorded, so even a crash from here on is reconciled, not resent.
            WorkerLog.OutcomeUnknown(logger, lease.JobId, provider.Name);
            return null;
        }
        catch (ProviderException e)
        {
            // Anything else means the provider certainly did not take the request: safe to retry later.
            throw JobErrors.From(e.Error);
        }

        var handle = submission.Handle;
        WorkerLog.Submitted(logger, lease.JobId, provider.Name, handle.RequestId);
        if (!checkpoint)
        {
            return handle;
        }

        try
        {
            var response = await CheckpointAsync(RequestCheckpoint(lease, handle, time.GetUtcNow()), critical.Token).ConfigureAwait(false);
            if (response.CancelRequested)
            {
                lease.MarkCancelRequested();
            }

            return handle;
        }
        catch (RpcException e)
        {
            // Unrecorded, the request would be submitted again by the next worker: stop it rather than pay twice.
            WorkerLog.CheckpointFailed(logger, lease.JobId, handle.RequestId, e.StatusCode.ToString());
            await CancelAtProviderAsync(provider, handle, lease.JobId).ConfigureAwait(false);
            if (e.StatusCode == StatusCode.FailedPrecondition)
            {
                lease.MarkLeaseLost();
                throw new OperationCanceledException(lease.Abandon);
            }

            throw new JobFailureException("checkpoint_failed", "The provider request could not be recorded and was canceled.", retryable: true);
        }
    }

    /// <summary>
    /// Records that a paid submit is about to be sent. Durable before the submit, so a worker that dies before the
    /// request id's Checkpoint leaves a trace; JobTracker answers whether an earlier holder of the attempt left one.
    /// </summary>
    private async Task<CheckpointResponse> RecordIntentAsync(LeaseKeeper lease, string provider)
    {
        var request = new CheckpointRequest { JobId = lease.JobId, LeaseId = lease.LeaseId, Provider = provider, SubmitIntent = true };
        CheckpointResponse response;
        try
        {
            response = await CheckpointAsync(request, lease.Abandon).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            lease.MarkLeaseLost();
            throw new OperationCanceledException(lease.Abandon);
        }
        catch (RpcException e)
        {
            // Nothing was sent to the provider: safe to run the attempt again later.
            WorkerLog.ReportFailed(logger, lease.JobId, e.StatusCode.ToString());
            throw new JobFailureException("checkpoint_failed", "The submit could not be recorded beforehand, so it was not sent.", retryable: true);
        }

        if (response.CancelRequested)
        {
            lease.MarkCancelRequested();
        }

        return response;
    }

    /// <summary>Records the request a reconciliation confirmed, replacing the submit intent.</summary>
    private async Task AdoptAsync(LeaseKeeper lease, ProviderJobHandle handle, DateTimeOffset submittedAt)
    {
        try
        {
            var response = await CheckpointAsync(RequestCheckpoint(lease, handle, submittedAt), lease.Abandon).ConfigureAwait(false);
            if (response.CancelRequested)
            {
                lease.MarkCancelRequested();
            }
        }
        catch (RpcException e)
        {
            // Not canceled at the provider (it ran before this worker knew of it, and may belong to whoever recorded
            // it): the lease lapses, and the next holder reconciles from the same recorded webhook.
            WorkerLog.CheckpointFailed(logger, lease.JobId, handle.RequestId, e.StatusCode.ToString());
            lease.MarkLeaseLost();
            throw new OperationCanceledException(lease.Abandon);
        }
    }

    private static CheckpointRequest RequestCheckpoint(LeaseKeeper lease, ProviderJobHandle handle, DateTimeOffset submittedAt) => new()
    {
        JobId = lease.JobId,
        LeaseId = lease.LeaseId,
        Provider = handle.Provider,
        RequestId = handle.RequestId,
        ProviderStatus = ProgressReporter.StatusText(ProviderJobState.Queued),
        SubmittedAt = Timestamp.FromDateTimeOffset(submittedAt),
    };

    private async Task<CheckpointResponse> CheckpointAsync(CheckpointRequest request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await jobs.CheckpointAsync(request, new CallOptions(deadline: DateTime.UtcNow.Add(ReportDeadline), cancellationToken: cancellationToken))
                    .ConfigureAwait(false);
            }
            catch (RpcException e) when (attempt < 6 && e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal)
            {
                // Repeating a checkpoint with the same request id, or an intent under the same lease, is a no-op.
                await Task.Delay(TimeSpan.FromMilliseconds(250 * Math.Pow(2, attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<ProviderStatus> WaitAsync(
        LeaseKeeper lease, IGenerationProvider provider, ProviderJobHandle handle, ProgressReporter reporter, DateTimeOffset deadline, long estimate)
    {
        var hooked = WebhookUrl(provider.Name, lease.JobId) is not null;
        var polling = new ProviderPollingOptions
        {
            Initial = hooked ? _options.WebhookPollInterval : _options.PollInitial,
            Max = hooked ? _options.WebhookPollInterval : _options.PollMax,
            Deadline = deadline - time.GetUtcNow(),
        };
        try
        {
            if (polling.Deadline <= TimeSpan.Zero)
            {
                throw new TimeoutException("The attempt's deadline passed before the worker could resume it.");
            }

            return await provider.WaitForTerminalAsync(handle, polling, reporter.OnStatusAsync, lease.Wake.WaitAsync, time, lease.Work).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lease.CancelRequested && !lease.Abandon.IsCancellationRequested)
        {
            var outcome = await CancelAtProviderAsync(provider, handle, lease.JobId).ConfigureAwait(false);
            throw Canceled(outcome, estimate);
        }
        catch (TimeoutException)
        {
            var outcome = await CancelAtProviderAsync(provider, handle, lease.JobId).ConfigureAwait(false);
            throw new JobFailureException(JobErrors.Timeout, $"The {provider.Name} request did not finish within the model's deadline.", retryable: false)
            {
                ActualCostMicros = Billed(outcome, estimate),
            };
        }
        catch (ProviderException e)
        {
            throw JobErrors.From(e.Error);
        }
    }

    private static JobFailureException Canceled(CancelOutcome? outcome, long estimate)
    {
        return new JobFailureException(JobErrors.Canceled, "Canceled at the client's request.", retryable: false)
        {
            ActualCostMicros = Billed(outcome, estimate),
        };
    }

    // A request the provider could not stop (already finished, or no cancel API) is billed in full.
    private static long Billed(CancelOutcome? outcome, long estimate) =>
        outcome is CancelOutcome.AlreadyCompleted or CancelOutcome.NotSupported ? estimate : 0;

    private async Task<CancelOutcome?> CancelAtProviderAsync(IGenerationProvider provider, ProviderJobHandle handle, string jobId)
    {
        using var deadline = new CancellationTokenSource(ReportDeadline);
        try
        {
            var outcome = await provider.CancelAsync(handle, deadline.Token).ConfigureAwait(false);
            WorkerLog.Canceled(logger, jobId, outcome.ToString());
            return outcome;
        }
        catch (ProviderException e)
        {
            WorkerLog.CancelFailed(logger, jobId, handle.RequestId, e.Error.Kind.ToString());
            return null;
        }
        catch (OperationCanceledException)
        {
            WorkerLog.CancelFailed(logger, jobId, handle.RequestId, "timeout");
            return null;
        }
    }

    private async Task FailAsync(LeaseKeeper lease, JobFailureException failure)
    {
        var request = new FailRequest { JobId = lease.JobId, LeaseId = lease.LeaseId, Error = failure.Error, ActualCostMicros = failure.ActualCostMicros };
        if (failure.RetryAfter is { } retryAfter && retryAfter > TimeSpan.Zero)
        {
            request.RetryAfter = Duration.FromTimeSpan(retryAfter < TimeSpan.FromDays(1) ? retryAfter : TimeSpan.FromDays(1));
        }

        WorkerLog.Failed(logger, lease.JobId, failure.Error.Code, failure.Error.Retryable);
        await ReportAsync(lease, () => jobs.FailAsync(request, Deadline())).ConfigureAwait(false);
    }

    /// <summary>The final call of a run; retried while JobTracker is briefly unreachable, dropped when the lease is gone.</summary>
    private async Task ReportAsync(LeaseKeeper lease, Func<Task<Job>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call().ConfigureAwait(false);
                return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound)
            {
                lease.MarkLeaseLost();
                return;
            }
            catch (RpcException e) when (attempt < 5 && e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal)
            {
                WorkerLog.ReportFailed(logger, lease.JobId, e.StatusCode.ToString());
                await Task.Delay(TimeSpan.FromSeconds(attempt), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static CallOptions Deadline() => new(deadline: DateTime.UtcNow.Add(ReportDeadline));

    /// <summary>
    /// The job id rides along (not signed by the provider, so only a hint): it is how JobTracking finds the job of a
    /// webhook whose request id the worker never learned.
    /// </summary>
    private Uri? WebhookUrl(string provider, string jobId)
    {
        var publicUrl = configuration["Gateway:PublicUrl"];
        if (provider == ProviderNames.Local || string.IsNullOrWhiteSpace(publicUrl))
        {
            return null;
        }

        return new Uri($"{publicUrl.TrimEnd('/')}/webhooks/{provider}?job={Uri.EscapeDataString(jobId)}");
    }
}
