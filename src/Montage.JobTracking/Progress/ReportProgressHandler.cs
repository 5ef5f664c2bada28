using System.Text;
using Microsoft.Extensions.Options;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Leasing;
using Montage.JobTracking.Persistence;

namespace Montage.JobTracking.Progress;

/// <summary>ReportProgress: progress never decreases; log lines become job.log events and the job keeps the latest few.</summary>
internal sealed class ReportProgressHandler(JobDatabase database, IOptions<JobTrackingOptions> options)
{
    public async Task<ReportProgressResponse> HandleAsync(ReportProgressRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (double.IsNaN(request.Progress) || request.Progress is < 0 or > 1)
        {
            throw Errors.InvalidArgument($"progress must be between 0 and 1, not {request.Progress}");
        }

        if (request.Logs.Count > settings.MaxLogLinesPerReport)
        {
            throw Errors.InvalidArgument($"logs has {request.Logs.Count} lines; the limit per call is {settings.MaxLogLinesPerReport}");
        }

        for (var i = 0; i < request.Logs.Count; i++)
        {
            var bytes = Encoding.UTF8.GetByteCount(request.Logs[i].Message);
            if (bytes > settings.MaxLogLineBytes)
            {
                throw Errors.InvalidArgument($"logs[{i}].message is {bytes} bytes; the limit is {settings.MaxLogLineBytes}");
            }
        }

        return await database.RunAsync(async tx =>
        {
            var job = await LeaseGuard.LoadHeldAsync(tx, request.JobId, request.LeaseId, cancellationToken).ConfigureAwait(false);
            var changed = false;
            if (request.Progress > job.Progress)
            {
                job.Progress = request.Progress;
                tx.AddEvent(job, new JobEvent { Type = "job.progress", Progress = request.Progress });
                changed = true;
            }

            if (request.Logs.Count > 0)
            {
                var lines = request.Logs.Select(l => new LogLine { Level = l.Level, Message = l.Message, Time = l.Time ?? JobRecord.Stamp(tx.Now) }).ToList();
                job.RecentLogs = job.RecentLogs.Concat(lines).TakeLast(settings.RecentLogLines).ToList();
                var logEvent = new JobEvent { Type = "job.log" };
                logEvent.Logs.AddRange(lines);
                tx.AddEvent(job, logEvent);
                changed = true;
            }

            if (changed)
            {
                tx.Update(job);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            return new ReportProgressResponse { CancelRequested = job.CancelRequested };
        }, cancellationToken).ConfigureAwait(false);
    }
}
