using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Dependencies;

namespace Montage.JobTracking.Submit;

/// <summary>Everything about a spec that can be checked without the database; each error names its field.</summary>
internal static class JobSpecValidator
{
    private const int MaxTextLength = 256;

    public static void Validate(JobSpec spec, JobTrackingOptions options, string prefix, bool graphNode = false)
    {
        if (spec is null)
        {
            throw Errors.InvalidArgument($"{prefix}spec is required");
        }

        Require(spec.Kind, prefix + "kind");
        if (!options.Kinds.Contains(spec.Kind, StringComparer.Ordinal))
        {
            throw Errors.InvalidArgument($"{prefix}kind '{Errors.Truncate(spec.Kind)}' is unknown; known kinds: {string.Join(", ", options.Kinds)}");
        }

        Require(spec.ModelId, prefix + "model_id");
        Require(spec.Owner, prefix + "owner");
        Limit(spec.IdempotencyKey, prefix + "idempotency_key");
        Limit(spec.ProductionId, prefix + "production_id");
        var input = ParseInput(spec.InputJson, prefix, options.MaxInputBytes);

        if (spec.MaxAttempts is < 0 or > 100)
        {
            throw Errors.InvalidArgument($"{prefix}max_attempts must be between 0 (server default) and 100, not {spec.MaxAttempts}");
        }

        if (spec.Timeout is { } timeout && (timeout.Seconds < 0 || timeout.Nanos < 0 || timeout.ToTimeSpan() > TimeSpan.FromDays(1)))
        {
            throw Errors.InvalidArgument($"{prefix}timeout must be positive and at most 24 h");
        }

        if (spec.EstimatedCostMicros < 0)
        {
            throw Errors.InvalidArgument($"{prefix}estimated_cost_micros must not be negative");
        }

        if (spec.CallbackUrl.Length > 0 &&
            (!Uri.TryCreate(spec.CallbackUrl, UriKind.Absolute, out var callback) || callback.Scheme is not ("http" or "https") || spec.CallbackUrl.Length > 2048))
        {
            throw Errors.InvalidArgument($"{prefix}callback_url must be an absolute http(s) URL of at most 2048 characters");
        }

        if (spec.Dependencies.Count > options.MaxDependencies)
        {
            throw Errors.InvalidArgument($"{prefix}dependencies has {spec.Dependencies.Count} entries; the limit is {options.MaxDependencies}");
        }

        for (var d = 0; d < spec.Dependencies.Count; d++)
        {
            var dependency = spec.Dependencies[d];
            var field = $"{prefix}dependencies[{d}]";
            switch (dependency.TargetCase)
            {
                case Dependency.TargetOneofCase.JobId:
                    _ = Errors.ParseJobId(dependency.JobId, field + ".job_id");
                    break;
                case Dependency.TargetOneofCase.LocalKey when !graphNode:
                    throw Errors.InvalidArgument($"{field}.local_key is only valid in SubmitGraph; use job_id");
                case Dependency.TargetOneofCase.LocalKey:
                    Require(dependency.LocalKey, field + ".local_key");
                    break;
                default:
                    throw Errors.InvalidArgument($"{field} needs job_id{(graphNode ? " or local_key" : "")}");
            }

            for (var b = 0; b < dependency.Bindings.Count; b++)
            {
                ValidateBinding(dependency.Bindings[b], input, $"{field}.bindings[{b}]");
            }
        }
    }

    public static JsonNode ParseInput(string inputJson, string prefix, int maxBytes)
    {
        if (string.IsNullOrEmpty(inputJson))
        {
            throw Errors.InvalidArgument($"{prefix}input_json is required (a JSON object)");
        }

        var bytes = Encoding.UTF8.GetByteCount(inputJson);
        if (bytes > maxBytes)
        {
            throw Errors.InvalidArgument($"{prefix}input_json is {bytes} bytes; the limit is {maxBytes}");
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(inputJson, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException exception)
        {
            throw Errors.InvalidArgument($"{prefix}input_json is not valid JSON: {exception.Message}");
        }

        return node as JsonObject ?? throw Errors.InvalidArgument($"{prefix}input_json must be a JSON object");
    }

    private static void ValidateBinding(InputBinding binding, JsonNode input, string field)
    {
        if (!JsonPointer.TryParse(binding.InputPointer, out var tokens))
        {
            throw Errors.InvalidArgument($"{field}.input_pointer '{Errors.Truncate(binding.InputPointer)}' is not a JSON pointer (e.g. \"/image_url\")");
        }

        if (JsonPointer.CheckTarget(input, tokens) is { } problem)
        {
            throw Errors.InvalidArgument($"{field}.input_pointer '{Errors.Truncate(binding.InputPointer)}' cannot be bound: {problem}");
        }

        Require(binding.OutputName, field + ".output_name");
        if (binding.Index < 0)
        {
            throw Errors.InvalidArgument($"{field}.index must not be negative");
        }
    }

    private static void Require(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Errors.InvalidArgument($"{field} is required");
        }

        Limit(value, field);
    }

    private static void Limit(string value, string field)
    {
        if (value.Length > MaxTextLength)
        {
            throw Errors.InvalidArgument($"{field} is {value.Length} characters; the limit is {MaxTextLength}");
        }
    }
}
