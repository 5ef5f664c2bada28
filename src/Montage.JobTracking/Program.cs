using Montage.JobTracking;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddJobTracking();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapJobTracking();
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
