namespace Montage.Hosting.Dashboard;

/// <summary>
/// One line a resource's process wrote to stdout or stderr. <paramref name="Sequence"/> strictly increases per
/// resource (ideally by one per line; first line 1), so the dashboard can join a backlog and a live subscription
/// without losing or repeating lines: on a gap it re-reads the backlog.
/// </summary>
public sealed record ConsoleLine(long Sequence, DateTimeOffset Timestamp, string Text, bool IsError);
