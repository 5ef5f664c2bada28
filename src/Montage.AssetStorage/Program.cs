using Montage.AssetStorage;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAssetStorage();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapAssetStorage();
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
