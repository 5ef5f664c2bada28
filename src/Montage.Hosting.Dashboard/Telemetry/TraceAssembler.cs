namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>
/// Orders a trace's spans as a tree whatever order they arrived in: roots by start time, each followed
/// depth-first by its children. A span whose parent is missing (not yet exported, or lost) is shown as a root.
/// </summary>
public static class TraceAssembler
{
    public static IReadOnlyList<TraceSpanView> Assemble(IEnumerable<SpanRecord> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var byId = new Dictionary<string, SpanRecord>(StringComparer.Ordinal);
        foreach (var span in spans)
        {
            byId.TryAdd(span.SpanId, span);
        }

        var children = new Dictionary<string, List<SpanRecord>>(StringComparer.Ordinal);
        var roots = new List<SpanRecord>();
        foreach (var span in byId.Values)
        {
            if (span.ParentSpanId is { } parent && parent != span.SpanId && byId.ContainsKey(parent))
            {
                if (!children.TryGetValue(parent, out var list))
                {
                    list = [];
                    children[parent] = list;
                }

                list.Add(span);
            }
            else
            {
                roots.Add(span);
            }
        }

        var ordered = new List<TraceSpanView>(byId.Count);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in ByStart(roots))
        {
            Visit(root, 0, children, visited, ordered);
        }

        // Parent links that form a cycle leave spans unreachable from any root; show them rather than lose them.
        foreach (var span in ByStart(byId.Values.Where(s => !visited.Contains(s.SpanId))))
        {
            Visit(span, 0, children, visited, ordered);
        }

        return ordered;
    }

    private static void Visit(SpanRecord span, int depth, Dictionary<string, List<SpanRecord>> children, HashSet<string> visited, List<TraceSpanView> ordered)
    {
        var stack = new Stack<(SpanRecord Span, int Depth)>();
        stack.Push((span, depth));
        while (stack.Count > 0)
        {
            var (current, level) = stack.Pop();
            if (!visited.Add(current.SpanId))
            {
                continue;
            }

            ordered.Add(new TraceSpanView(current, level));
            if (children.TryGetValue(current.SpanId, out var kids))
            {
                // Pushed latest first so that the earliest child is visited first.
                foreach (var child in ByStart(kids).Reverse())
                {
                    stack.Push((child, level + 1));
                }
            }
        }
    }

    private static IEnumerable<SpanRecord> ByStart(IEnumerable<SpanRecord> spans) =>
        spans.OrderBy(s => s.Start).ThenBy(s => s.SpanId, StringComparer.Ordinal);
}
