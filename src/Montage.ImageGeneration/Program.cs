using Montage.ImageGeneration;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddImageGeneration();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapImageGeneration();
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
