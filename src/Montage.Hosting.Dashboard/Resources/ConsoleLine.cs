namespace Montage.Hosting.Dashboard;

/// <summary>
/// One line a resource's process wrote to stdout or stderr.
/// <paramref name="Sequence"/> increases by one per line of that resource (first line 1), so the dashboard can
/// join a backlog and a live subscription without losing or repeating lines.
/// </summary>
public sealed record ConsoleLine(long Sequence, DateTimeOffset Timestamp, string Text, bool IsError);
