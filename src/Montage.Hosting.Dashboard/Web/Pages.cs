using System.Net;
using System.Text;

namespace Montage.Hosting.Dashboard.Web;

/// <summary>
/// The server-rendered page shells. Each page's data is rendered by /static/app.js from the JSON APIs and kept live
/// by server-sent events; the markup here holds the layout, navigation and filter controls.
/// </summary>
internal static class Pages
{
    private static readonly (string Page, string Href, string Title)[] Navigation =
    [
        ("resources", "/", "Resources"),
        ("console", "/consolelogs", "Console"),
        ("logs", "/structuredlogs", "Structured logs"),
        ("traces", "/traces", "Traces"),
        ("metrics", "/metrics", "Metrics"),
    ];

    public static string Resources() => Layout("resources", "Resources", """
        <div class="page-head"><h1>Resources</h1><span class="live" id="live">connecting…</span>
          <input type="search" id="filter" placeholder="Filter resources" aria-label="Filter resources"></div>
        <table class="grid" id="resources">
          <thead><tr><th>Name</th><th>Type</th><th>State</th><th>Health</th><th>Endpoints</th><th>PID</th><th>Uptime</th><th>Restarts</th><th>Actions</th></tr></thead>
          <tbody><tr class="empty"><td colspan="9">Loading…</td></tr></tbody>
        </table>
        """);

    public static string Console() => Layout("console", "Console logs", """
        <div class="page-head"><h1>Console logs</h1><span class="live" id="live">connecting…</span>
          <select id="resource" aria-label="Resource"></select>
          <input type="search" id="search" placeholder="Search lines" aria-label="Search lines">
          <label class="check"><input type="checkbox" id="follow" checked> Follow</label></div>
        <div class="console" id="console" role="log" aria-live="polite"><div class="hint">Choose a resource.</div></div>
        """);

    public static string StructuredLogs() => Layout("logs", "Structured logs", """
        <div class="page-head"><h1>Structured logs</h1><span class="live" id="live">connecting…</span>
          <select id="service" aria-label="Service"><option value="">All services</option></select>
          <select id="severity" aria-label="Minimum severity">
            <option value="">All levels</option><option value="5">Debug+</option><option value="9">Information+</option>
            <option value="13">Warning+</option><option value="17">Error+</option></select>
          <input type="search" id="search" placeholder="Search message or attributes" aria-label="Search logs">
          <span class="filter-note" id="trace-filter" hidden></span></div>
        <table class="grid" id="logs">
          <thead><tr><th>Time</th><th>Service</th><th>Level</th><th>Message</th><th>Attributes</th><th>Trace</th></tr></thead>
          <tbody><tr class="empty"><td colspan="6">No structured logs yet.</td></tr></tbody>
        </table>
        """);

    public static string Traces() => Layout("traces", "Traces", """
        <div class="page-head"><h1>Traces</h1><span class="live" id="live">connecting…</span>
          <select id="service" aria-label="Service"><option value="">All services</option></select>
          <select id="status" aria-label="Status"><option value="">Any status</option><option value="ok">Without errors</option><option value="error">With errors</option></select>
          <input type="number" id="min-duration" min="0" placeholder="Min ms" aria-label="Minimum duration in milliseconds">
          <input type="search" id="search" placeholder="Search name or trace id" aria-label="Search traces"></div>
        <table class="grid" id="traces">
          <thead><tr><th>Time</th><th>Name</th><th>Services</th><th>Duration</th><th>Spans</th><th>Status</th></tr></thead>
          <tbody><tr class="empty"><td colspan="6">No traces yet.</td></tr></tbody>
        </table>
        """);

    public static string Trace(string traceId) => Layout("trace", "Trace " + traceId, $"""
        <div class="page-head"><h1>Trace <code id="trace-id">{Encode(traceId)}</code></h1><span class="live" id="live">connecting…</span>
          <a href="/structuredlogs?traceId={Encode(Uri.EscapeDataString(traceId))}">Logs of this trace</a></div>
        <div class="trace-summary" id="summary"></div>
        <div class="waterfall" id="waterfall"><div class="hint">Loading…</div></div>
        <div class="span-detail" id="span-detail" hidden></div>
        """);

    public static string Metrics() => Layout("metrics", "Metrics", """
        <div class="page-head"><h1>Metrics</h1><span class="live" id="live">connecting…</span>
          <select id="service" aria-label="Service"><option value="">All services</option></select></div>
        <div class="metrics">
          <nav class="instrument-list" id="instruments"><div class="hint">No metrics yet.</div></nav>
          <section class="instrument" id="instrument"><div class="hint">Choose an instrument.</div></section>
        </div>
        """);

    public static string Login(string? returnUrl, bool failed) => Document("login", "Log in", $"""
        <main class="login">
          <h1>Montage dashboard</h1>
          <p>Open the login link the AppHost printed at start-up, or paste its token here.</p>
          {(failed ? "<p class=\"error\" role=\"alert\">That token is not valid for this dashboard.</p>" : "")}
          <form method="get" action="/login">
            <input type="password" name="t" placeholder="Token" aria-label="Token" autocomplete="off" required autofocus>
            <input type="hidden" name="returnUrl" value="{Encode(returnUrl ?? "/")}">
            <button type="submit">Log in</button>
          </form>
        </main>
        """);

    private static string Layout(string page, string title, string content)
    {
        var nav = new StringBuilder();
        foreach (var (navPage, href, navTitle) in Navigation)
        {
            var active = navPage == page || (page == "trace" && navPage == "traces");
            nav.Append("<a href=\"").Append(href).Append('"').Append(active ? " class=\"active\" aria-current=\"page\"" : "").Append('>').Append(navTitle).Append("</a>");
        }

        return Document(page, title, $"""
            <header class="top"><a class="brand" href="/">Montage</a><nav>{nav}</nav></header>
            <main>
            {content}
            </main>
            """);
    }

    private static string Document(string page, string title, string body) => $"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{Encode(title)} · Montage dashboard</title>
        <link rel="stylesheet" href="/static/site.css">
        </head>
        <body data-page="{page}">
        {body}
        <script src="/static/app.js"></script>
        </body>
        </html>
        """;

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
