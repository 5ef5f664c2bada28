var app = WebApplication.CreateBuilder(args).Build();
app.MapGet("/health", () => "Healthy");
app.MapGet("/alive", () => "Healthy");
app.MapGet("/env/{name}", (string name) => Environment.GetEnvironmentVariable(name) is { } value ? Results.Text(value) : Results.NotFound());
app.MapGet("/protocol", (HttpContext context) => context.Request.Protocol);
app.Run();
