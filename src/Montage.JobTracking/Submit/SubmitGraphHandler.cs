using Microsoft.Extensions.Options;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Dependencies;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Submit;

/// <summary>
/// SubmitGraph: several jobs with dependencies, created atomically in one transaction. Nodes are processed in
/// topological order, so each node's state (waiting, queued, or succeeded from the cache) is decided with its
/// in-graph upstreams already decided.
/// </summary>
internal sealed class SubmitGraphHandler(JobDatabase database, IOptions<JobTrackingOptions> options)
{
    public async Task<SubmitGraphResponse> HandleAsync(SubmitGraphRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var order = Validate(request, settings);
        var existingIds = request.Nodes.SelectMany(n => n.Spec.Dependencies)
            .Where(d => d.TargetCase == Dependency.TargetOneofCase.JobId).Select(d => Guid.Parse(d.JobId)).Distinct().ToList();

        return await database.RunAsync(async tx =>
        {
            if (request.IdempotencyKey.Length > 0 && await FindExistingAsync(tx, request, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                return existing;
            }

            var upstreams = await SubmitJobHandler.LockUpstreamsAsync(tx, existingIds, request.Owner, "nodes.dependencies", cancellationToken).ConfigureAwait(false);
            var created = new Dictionary<string, JobRecord>(StringComparer.Ordinal);
            foreach (var index in order)
            {
                var node = request.Nodes[index];
                var spec = node.Spec.Clone();
                spec.Owner = request.Owner;
                spec.ProductionId = request.ProductionId;
                spec.IdempotencyKey = "";
                var dependencies = spec.Dependencies.Select(d => JobFactory.WithJobId(d,
                    d.TargetCase == Dependency.TargetOneofCase.LocalKey ? created[d.LocalKey].Id : Guid.Parse(d.JobId))).ToList();
                var job = JobFactory.Create(spec, settings, tx.Now, dependencies);
                foreach (var dependency in dependencies.Where(d => !upstreams.ContainsKey(Guid.Parse(d.JobId))))
                {
                    upstreams[Guid.Parse(dependency.JobId)] = created.Values.First(c => c.Id == Guid.Parse(dependency.JobId));
                }

                _ = await JobReadiness.DecideAsync(tx, job, upstreams, cancellationToken).ConfigureAwait(false);
                SubmitJobHandler.Insert(tx, job);
                created[node.LocalKey] = job;
            }

            if (request.IdempotencyKey.Length > 0)
            {
                tx.Write(JobTransaction.Sql(
                    "INSERT INTO graph_submissions (owner, idempotency_key, request_hash, local_keys, job_ids) VALUES ($1, $2, $3, $4, $5)",
                    new NpgsqlParameter<string> { TypedValue = request.Owner },
                    new NpgsqlParameter<string> { TypedValue = request.IdempotencyKey },
                    new NpgsqlParameter<byte[]> { TypedValue = JobFactory.RequestHash(request) },
                    new NpgsqlParameter<string[]> { TypedValue = request.Nodes.Select(n => n.LocalKey).ToArray() },
                    new NpgsqlParameter<Guid[]> { TypedValue = request.Nodes.Select(n => created[n.LocalKey].Id).ToArray() }));
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            var response = new SubmitGraphResponse();
            foreach (var node in request.Nodes)
            {
                response.JobIds[node.LocalKey] = created[node.LocalKey].Id.ToString();
                response.Jobs.Add(created[node.LocalKey].ToProto());
            }

            return response;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks the request and returns the node indices in dependency order (upstreams first).</summary>
    internal static List<int> Validate(SubmitGraphRequest request, JobTrackingOptions options)
    {
        if (string.IsNullOrWhiteSpace(request.Owner))
        {
            throw Errors.InvalidArgument("owner is required");
        }

        if (request.Nodes.Count == 0)
        {
            throw Errors.InvalidArgument("nodes is empty: a graph needs at least one node");
        }

        if (request.Nodes.Count > options.MaxGraphNodes)
        {
            throw Errors.InvalidArgument($"nodes has {request.Nodes.Count} entries; the limit is {options.MaxGraphNodes}");
        }

        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < request.Nodes.Count; i++)
        {
            var node = request.Nodes[i];
            if (string.IsNullOrWhiteSpace(node.LocalKey))
            {
                throw Errors.InvalidArgument($"nodes[{i}].local_key is required");
            }

            if (!indexOf.TryAdd(node.LocalKey, i))
            {
                throw Errors.InvalidArgument($"nodes[{i}].local_key '{Errors.Truncate(node.LocalKey)}' is used by more than one node");
            }

            if (node.Spec is null)
            {
                throw Errors.InvalidArgument($"nodes[{i}].spec is required");
            }

            if (node.Spec.Owner.Length > 0 && node.Spec.Owner != request.Owner)
            {
                throw Errors.InvalidArgument($"nodes[{i}].spec.owner must be empty or equal to the graph's owner");
            }

            if (node.Spec.ProductionId.Length > 0 && node.Spec.ProductionId != request.ProductionId)
            {
                throw Errors.InvalidArgument($"nodes[{i}].spec.production_id must be empty or equal to the graph's production_id");
            }

            var spec = node.Spec.Clone();
            spec.Owner = request.Owner;
            JobSpecValidator.Validate(spec, options, $"nodes[{i}] ('{Errors.Truncate(node.LocalKey)}').spec.", graphNode: true);
        }

        var edges = new List<int>[request.Nodes.Count];
        for (var i = 0; i < request.Nodes.Count; i++)
        {
            edges[i] = [];
            var targets = new HashSet<string>(StringComparer.Ordinal);
            foreach (var dependency in request.Nodes[i].Spec.Dependencies)
            {
                var target = dependency.TargetCase == Dependency.TargetOneofCase.LocalKey ? "local:" + dependency.LocalKey : "id:" + dependency.JobId;
                if (!targets.Add(target))
                {
                    throw Errors.InvalidArgument($"nodes[{i}].spec.dependencies names the same upstream twice");
                }

                if (dependency.TargetCase != Dependency.TargetOneofCase.LocalKey)
                {
                    continue;
                }

                if (!indexOf.TryGetValue(dependency.LocalKey, out var upstream))
                {
                    throw Errors.InvalidArgument($"nodes[{i}].spec.dependencies: local_key '{Errors.Truncate(dependency.LocalKey)}' is not a node of this graph");
                }

                if (upstream == i)
                {
                    throw Errors.InvalidArgument($"nodes[{i}] ('{Errors.Truncate(request.Nodes[i].LocalKey)}') depends on itself: the graph has a cycle");
                }

                edges[i].Add(upstream);
            }
        }

        return TopologicalOrder(request, edges);
    }

    private static List<int> TopologicalOrder(SubmitGraphRequest request, List<int>[] upstreamsOf)
    {
        // Depth-first with colours; a grey node met again closes a cycle, which is reported by its local keys.
        var colour = new int[upstreamsOf.Length];
        var order = new List<int>(upstreamsOf.Length);
        var path = new List<int>();

        void Visit(int node)
        {
            colour[node] = 1;
            path.Add(node);
            foreach (var upstream in upstreamsOf[node])
            {
                if (colour[upstream] == 1)
                {
                    var cycle = path.Skip(path.IndexOf(upstream)).Append(upstream).Select(n => request.Nodes[n].LocalKey);
                    throw Errors.InvalidArgument($"the graph has a cycle: {string.Join(" -> ", cycle.Select(Errors.Truncate))}");
                }

                if (colour[upstream] == 0)
                {
                    Visit(upstream);
                }
            }

            path.RemoveAt(path.Count - 1);
            colour[node] = 2;
            order.Add(node);
        }

        for (var i = 0; i < upstreamsOf.Length; i++)
        {
            if (colour[i] == 0)
            {
                Visit(i);
            }
        }

        return order;
    }

    private static async Task<SubmitGraphResponse?> FindExistingAsync(JobTransaction tx, SubmitGraphRequest request, CancellationToken cancellationToken)
    {
        byte[]? hash = null;
        string[] keys = [];
        Guid[] ids = [];
        var find = JobTransaction.Sql("SELECT request_hash, local_keys, job_ids FROM graph_submissions WHERE owner = $1 AND idempotency_key = $2",
            new NpgsqlParameter<string> { TypedValue = request.Owner },
            new NpgsqlParameter<string> { TypedValue = request.IdempotencyKey });
        await tx.ReadAsync(find, reader =>
        {
            hash = (byte[])reader[0];
            keys = (string[])reader[1];
            ids = (Guid[])reader[2];
        }, cancellationToken).ConfigureAwait(false);
        if (hash is null)
        {
            return null;
        }

        if (!hash.AsSpan().SequenceEqual(JobFactory.RequestHash(request)))
        {
            throw Errors.AlreadyExists($"idempotency_key '{Errors.Truncate(request.IdempotencyKey)}' was already used for a different graph");
        }

        var jobsCommand = JobTransaction.Sql($"SELECT {JobRecord.Columns} FROM jobs WHERE id = ANY($1)", new NpgsqlParameter<Guid[]> { TypedValue = ids });
        var jobs = (await tx.ReadJobsAsync(jobsCommand, cancellationToken).ConfigureAwait(false)).ToDictionary(j => j.Id);
        var response = new SubmitGraphResponse { Deduplicated = true };
        for (var i = 0; i < keys.Length; i++)
        {
            response.JobIds[keys[i]] = ids[i].ToString();
            response.Jobs.Add(jobs[ids[i]].ToProto());
        }

        return response;
    }
}
