using Montage.FakeProviders;

// Standalone: both fakes on one host, fal under /fal and KIE under /kie.
//   dotnet run --project tests/Montage.FakeProviders -- --urls http://127.0.0.1:5099
var fal = new FakeFal();
var kie = new FakeKie();
fal.Jobs.Progression = FakeProgression.Timed(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5));
kie.Jobs.Progression = FakeProgression.Timed(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5));

var (app, baseUrl) = await FakeHost.StartAsync(web =>
{
    fal.Map(web);
    kie.Map(web);
}, args);
fal.SetBaseUrl(baseUrl);
kie.SetBaseUrl(baseUrl);

Console.WriteLine($"Providers__Fal__QueueUrl={fal.QueueUrl}");
Console.WriteLine($"Providers__Fal__RestUrl={fal.RestUrl}");
Console.WriteLine($"Providers__Fal__JwksUrl={fal.JwksUrl}");
Console.WriteLine($"FAL_KEY={fal.ApiKey}");
Console.WriteLine($"Providers__Kie__BaseUrl={kie.BaseUrl}");
Console.WriteLine($"Providers__Kie__UploadUrl={kie.UploadUrl}");
Console.WriteLine($"KIE_API_KEY={kie.ApiKey}");
Console.WriteLine("Fake providers ready. Ctrl+C to stop.");

await app.WaitForShutdownAsync();
await fal.DisposeAsync();
await kie.DisposeAsync();
return 0;
