namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>One telemetry attribute, its value rendered as text (arrays and maps as JSON-like text).</summary>
public sealed record Attribute(string Key, string Value);
