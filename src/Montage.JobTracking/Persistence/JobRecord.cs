using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Jobs.V1;
using Npgsql;

namespace Montage.JobTracking.Persistence;

/// <summary>One row of <c>jobs</c>, loaded under a row lock, changed in memory and written back by <see cref="JobTransaction"/>.</summary>
internal sealed class JobRecord
{
    public const string Columns =
        "id, kind, model_id, provider, owner, idempotency_key, request_hash, production_id, submitted_input, input, dependencies, state, " +
        "attempts, max_attempts, attempt_open, attempt_deadline, next_attempt_at, lease_owner, lease_id, lease_expires_at, lease_duration_ms, " +
        "checkpoint_provider, checkpoint_request_id, checkpoint_status, checkpoint_submitted_at, checkpoint_updated_at, progress, recent_logs, " +
        "outputs, error_code, error_message, error_retryable, estimated_cost_micros, actual_cost_micros, timeout_ms, no_cache, callback_url, " +
        "cancel_requested, cached_from_job_id, content_hash, created_at, updated_at, started_at, finished_at, last_event_sequence";

    public Guid Id { get; set; }
    public string Kind { get; set; } = "";
    public string ModelId { get; set; } = "";
    public string Provider { get; set; } = "";
    public string Owner { get; set; } = "";
    public string? IdempotencyKey { get; set; }
    public byte[]? RequestHash { get; set; }
    public string ProductionId { get; set; } = "";
    public string SubmittedInput { get; set; } = "{}";
    public string Input { get; set; } = "{}";
    public List<Dependency> Dependencies { get; set; } = [];
    public JobState State { get; set; }
    public int Attempts { get; set; }
    public int MaxAttempts { get; set; }
    public bool AttemptOpen { get; set; }
    public DateTime? AttemptDeadline { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public string? LeaseOwner { get; set; }
    public Guid? LeaseId { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
    public int? LeaseDurationMs { get; set; }
    public string? CheckpointProvider { get; set; }
    public string? CheckpointRequestId { get; set; }
    public string? CheckpointStatus { get; set; }
    public DateTime? CheckpointSubmittedAt { get; set; }
    public DateTime? CheckpointUpdatedAt { get; set; }
    public double Progress { get; set; }
    public List<LogLine> RecentLogs { get; set; } = [];
    public Dictionary<string, List<string>>? Outputs { get; set; }
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
    public bool ErrorRetryable { get; set; }
    public long EstimatedCostMicros { get; set; }
    public long ActualCostMicros { get; set; }
    public long TimeoutMs { get; set; }
    public bool NoCache { get; set; }
    public string CallbackUrl { get; set; } = "";
    public bool CancelRequested { get; set; }
    public Guid? CachedFromJobId { get; set; }
    public byte[]? ContentHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public long LastEventSequence { get; set; }

    public bool IsTerminal => State is JobState.Succeeded or JobState.Failed or JobState.Canceled;

    public static JobRecord Read(NpgsqlDataReader r)
    {
        var i = 0;
        return new JobRecord
        {
            Id = r.GetGuid(i++),
            Kind = r.GetString(i++),
            ModelId = r.GetString(i++),
            Provider = r.GetString(i++),
            Owner = r.GetString(i++),
            IdempotencyKey = NullableString(r, i++),
            RequestHash = r.IsDBNull(i++) ? null : (byte[])r[i - 1],
            ProductionId = r.GetString(i++),
            SubmittedInput = r.GetString(i++),
            Input = r.GetString(i++),
            Dependencies = ParseDelimited(Dependency.Parser, (byte[])r[i++]),
            State = (JobState)r.GetInt16(i++),
            Attempts = r.GetInt32(i++),
            MaxAttempts = r.GetInt32(i++),
            AttemptOpen = r.GetBoolean(i++),
            AttemptDeadline = NullableTime(r, i++),
            NextAttemptAt = r.GetDateTime(i++),
            LeaseOwner = NullableString(r, i++),
            LeaseId = r.IsDBNull(i++) ? null : r.GetGuid(i - 1),
            LeaseExpiresAt = NullableTime(r, i++),
            LeaseDurationMs = r.IsDBNull(i++) ? null : r.GetInt32(i - 1),
            CheckpointProvider = NullableString(r, i++),
            CheckpointRequestId = NullableString(r, i++),
            CheckpointStatus = NullableString(r, i++),
            CheckpointSubmittedAt = NullableTime(r, i++),
            CheckpointUpdatedAt = NullableTime(r, i++),
            Progress = r.GetDouble(i++),
            RecentLogs = ParseDelimited(LogLine.Parser, (byte[])r[i++]),
            Outputs = r.IsDBNull(i++) ? null : JsonSerializer.Deserialize<Dictionary<string, List<string>>>(r.GetString(i - 1)),
            ErrorCode = NullableString(r, i++),
            ErrorMessage = NullableString(r, i++),
            ErrorRetryable = r.GetBoolean(i++),
            EstimatedCostMicros = r.GetInt64(i++),
            ActualCostMicros = r.GetInt64(i++),
            TimeoutMs = r.GetInt64(i++),
            NoCache = r.GetBoolean(i++),
            CallbackUrl = r.GetString(i++),
            CancelRequested = r.GetBoolean(i++),
            CachedFromJobId = r.IsDBNull(i++) ? null : r.GetGuid(i - 1),
            ContentHash = r.IsDBNull(i++) ? null : (byte[])r[i - 1],
            CreatedAt = r.GetDateTime(i++),
            UpdatedAt = r.GetDateTime(i++),
            StartedAt = NullableTime(r, i++),
            FinishedAt = NullableTime(r, i++),
            LastEventSequence = r.GetInt64(i),
        };
    }

    /// <summary>Parameters $1.. in <see cref="Columns"/> order, for INSERT and for the full-row UPDATE.</summary>
    public void AddParameters(NpgsqlParameterCollection p)
    {
        p.Add(new NpgsqlParameter<Guid> { TypedValue = Id });
        p.Add(new NpgsqlParameter<string> { TypedValue = Kind });
        p.Add(new NpgsqlParameter<string> { TypedValue = ModelId });
        p.Add(new NpgsqlParameter<string> { TypedValue = Provider });
        p.Add(new NpgsqlParameter<string> { TypedValue = Owner });
        p.Add(Nullable(IdempotencyKey, NpgsqlTypes.NpgsqlDbType.Text));
        p.Add(Nullable(RequestHash, NpgsqlTypes.NpgsqlDbType.Bytea));
        p.Add(new NpgsqlParameter<string> { TypedValue = ProductionId });
        p.Add(new NpgsqlParameter<string> { TypedValue = SubmittedInput });
        p.Add(new NpgsqlParameter<string> { TypedValue = Input });
        p.Add(new NpgsqlParameter<byte[]> { TypedValue = WriteDelimited(Dependencies) });
        p.Add(new NpgsqlParameter<short> { TypedValue = (short)State });
        p.Add(new NpgsqlParameter<int> { TypedValue = Attempts });
        p.Add(new NpgsqlParameter<int> { TypedValue = MaxAttempts });
        p.Add(new NpgsqlParameter<bool> { TypedValue = AttemptOpen });
        p.Add(Nullable(AttemptDeadline, NpgsqlTypes.NpgsqlDbType.TimestampTz));
        p.Add(new NpgsqlParameter<DateTime> { TypedValue = NextAttemptAt });
        p.Add(Nullable(LeaseOwner, NpgsqlTypes.NpgsqlDbType.Text));
        p.Add(Nullable(LeaseId, NpgsqlTypes.NpgsqlDbType.Uuid));
        p.Add(Nullable(LeaseExpiresAt, NpgsqlTypes.NpgsqlDbType.TimestampTz));
        p.Add(Nullable(LeaseDurationMs, NpgsqlTypes.NpgsqlDbType.Integer));
        p.Add(Nullable(CheckpointProvider, NpgsqlTypes.NpgsqlDbType.Text));
        p.Add(Nullable(CheckpointRequestId, NpgsqlTypes.NpgsqlDbType.Text));
        p.Add(Nullable(CheckpointStatus, NpgsqlTypes.NpgsqlDbType.Text));
        p.Add(Nullable(CheckpointSubmittedAt, NpgsqlTypes.NpgsqlDbType.TimestampTz));
        p.Add(Nullable(CheckpointUpdatedAt, NpgsqlTypes.NpgsqlDbType.TimestampTz));
        p.Add(new NpgsqlParameter<double> { TypedValue = Progress });
        p.Add(new NpgsqlParameter<byte[]> { TypedValue = WriteDelimited(RecentLogs) });
        p.Add(Nullable(Outputs is null ? null : JsonSerializer.Serialize(Outputs), NpgsqlTypes.NpgsqlDbType.Jsonb));
        p.Add(Nullable(ErrorCode, NpgsqlTypes.NpgsqlDbType.Text));
        p.Add(Nullable(ErrorMessage, NpgsqlTypes.NpgsqlDbType.Text));
        p.Add(new NpgsqlParameter<bool> { TypedValue = ErrorRetryable });
        p.Add(new NpgsqlParameter<long> { TypedValue = EstimatedCostMicros });
        p.Add(new NpgsqlParameter<long> { TypedValue = ActualCostMicros });
        p.Add(new NpgsqlParameter<long> { TypedValue = TimeoutMs });
        p.Add(new NpgsqlParameter<bool> { TypedValue = NoCache });
        p.Add(new NpgsqlParameter<string> { TypedValue = CallbackUrl });
        p.Add(new NpgsqlParameter<bool> { TypedValue = CancelRequested });
        p.Add(Nullable(CachedFromJobId, NpgsqlTypes.NpgsqlDbType.Uuid));
        p.Add(Nullable(ContentHash, NpgsqlTypes.NpgsqlDbType.Bytea));
        p.Add(new NpgsqlParameter<DateTime> { TypedValue = CreatedAt });
        p.Add(new NpgsqlParameter<DateTime> { TypedValue = UpdatedAt });
        p.Add(Nullable(StartedAt, NpgsqlTypes.NpgsqlDbType.TimestampTz));
        p.Add(Nullable(FinishedAt, NpgsqlTypes.NpgsqlDbType.TimestampTz));
        p.Add(new NpgsqlParameter<long> { TypedValue = LastEventSequence });
    }

    public Job ToProto()
    {
        var job = new Job
        {
            Id = Id.ToString(),
            Kind = Kind,
            ModelId = ModelId,
            InputJson = Input,
            Owner = Owner,
            IdempotencyKey = IdempotencyKey ?? "",
            ProductionId = ProductionId,
            State = State,
            Attempts = Attempts,
            MaxAttempts = MaxAttempts,
            Progress = Progress,
            EstimatedCostMicros = EstimatedCostMicros,
            ActualCostMicros = ActualCostMicros,
            Timeout = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(TimeoutMs)),
            NoCache = NoCache,
            CallbackUrl = CallbackUrl,
            CancelRequested = CancelRequested,
            CachedFromJobId = CachedFromJobId?.ToString() ?? "",
            CreatedAt = Stamp(CreatedAt),
            UpdatedAt = Stamp(UpdatedAt),
            LastEventSequence = LastEventSequence,
        };
        job.Dependencies.AddRange(Dependencies);
        job.RecentLogs.AddRange(RecentLogs);
        if (State == JobState.Queued && NextAttemptAt > CreatedAt)
        {
            job.NextAttemptAt = Stamp(NextAttemptAt);
        }

        if (State == JobState.Running)
        {
            job.LeaseOwner = LeaseOwner ?? "";
            job.LeaseExpiresAt = LeaseExpiresAt is { } expires ? Stamp(expires) : null;
        }

        if (CheckpointRequestId is not null)
        {
            job.ProviderCheckpoint = new ProviderCheckpoint
            {
                Provider = CheckpointProvider ?? "",
                RequestId = CheckpointRequestId,
                ProviderStatus = CheckpointStatus ?? "",
                SubmittedAt = CheckpointSubmittedAt is { } submitted ? Stamp(submitted) : null,
                UpdatedAt = CheckpointUpdatedAt is { } updated ? Stamp(updated) : null,
            };
        }

        if (Outputs is not null)
        {
            foreach (var (name, ids) in Outputs)
            {
                var assets = new OutputAssets();
                assets.AssetIds.AddRange(ids);
                job.Outputs.Add(name, assets);
            }
        }

        if (ErrorCode is not null)
        {
            job.Error = new JobError { Code = ErrorCode, Message = ErrorMessage ?? "", Retryable = ErrorRetryable };
        }

        job.StartedAt = StartedAt is { } started ? Stamp(started) : null;
        job.FinishedAt = FinishedAt is { } finished ? Stamp(finished) : null;
        return job;
    }

    public static Timestamp Stamp(DateTime time) => Timestamp.FromDateTime(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    internal static byte[] WriteDelimited<T>(IEnumerable<T> messages)
        where T : IMessage<T>
    {
        using var stream = new MemoryStream();
        foreach (var message in messages)
        {
            message.WriteDelimitedTo(stream);
        }

        return stream.ToArray();
    }

    internal static List<T> ParseDelimited<T>(MessageParser<T> parser, byte[] bytes)
        where T : IMessage<T>
    {
        var list = new List<T>();
        using var stream = new MemoryStream(bytes);
        while (stream.Position < stream.Length)
        {
            list.Add(parser.ParseDelimitedFrom(stream));
        }

        return list;
    }

    private static string? NullableString(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTime? NullableTime(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDateTime(i);

    private static NpgsqlParameter Nullable(object? value, NpgsqlTypes.NpgsqlDbType type) =>
        new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };
}
