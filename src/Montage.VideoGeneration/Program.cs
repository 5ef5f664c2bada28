using Montage.VideoGeneration;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddVideoGeneration();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapVideoGeneration();
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
