using Montage.Compositing;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCompositing();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapCompositing();
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
