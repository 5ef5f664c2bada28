using System.Security.Cryptography;
using Google.Protobuf;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Persistence;

namespace Montage.JobTracking.Submit;

/// <summary>A new job row from a validated spec; its state is decided by <see cref="Dependencies.JobReadiness"/>.</summary>
internal static class JobFactory
{
    public static JobRecord Create(JobSpec spec, JobTrackingOptions options, DateTime now, IReadOnlyList<Dependency> resolvedDependencies)
    {
        var timeout = spec.Timeout is { } t && t.ToTimeSpan() > TimeSpan.Zero ? t.ToTimeSpan() : options.TimeoutOf(spec.ModelId);
        return new JobRecord
        {
            Id = Guid.CreateVersion7(now),
            Kind = spec.Kind,
            ModelId = spec.ModelId,
            Provider = options.ProviderOf(spec.ModelId),
            Owner = spec.Owner,
            IdempotencyKey = spec.IdempotencyKey.Length > 0 ? spec.IdempotencyKey : null,
            RequestHash = spec.IdempotencyKey.Length > 0 ? RequestHash(spec) : null,
            ProductionId = spec.ProductionId,
            SubmittedInput = spec.InputJson,
            Input = spec.InputJson,
            Dependencies = [.. resolvedDependencies],
            State = JobState.Waiting,
            MaxAttempts = spec.MaxAttempts > 0 ? spec.MaxAttempts : options.DefaultMaxAttempts,
            NextAttemptAt = now,
            EstimatedCostMicros = spec.EstimatedCostMicros,
            TimeoutMs = (long)timeout.TotalMilliseconds,
            NoCache = spec.NoCache,
            CallbackUrl = spec.CallbackUrl,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>The spec's fingerprint for idempotency: protobuf encoding of a message without maps is deterministic.</summary>
    public static byte[] RequestHash(IMessage spec) => SHA256.HashData(spec.ToByteArray());

    /// <summary>A copy of the dependency pointing at a job id, with each binding's source URI filled in.</summary>
    public static Dependency WithJobId(Dependency dependency, Guid upstreamId)
    {
        var copy = new Dependency { JobId = upstreamId.ToString() };
        foreach (var binding in dependency.Bindings)
        {
            var b = binding.Clone();
            b.SourceUri = $"job://{upstreamId}/outputs/{binding.OutputName}";
            copy.Bindings.Add(b);
        }

        return copy;
    }
}
