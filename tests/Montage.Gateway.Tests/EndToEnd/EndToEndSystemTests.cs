using Montage.Gateway.Tests.Api;

namespace Montage.Gateway.Tests.EndToEnd;

/// <summary>
/// The whole AppHost topology driven through the gateway only, as a user would: upload a PNG, animate it with the local
/// engine, follow the job by SSE to success, download the MP4 and check it with ffprobe.
/// </summary>
[Collection(EndToEndSystemCollection.Name)]
public sealed class EndToEndSystemTests(EndToEndSystemFixture fixture)
{
    [Fact]
    public async Task A_png_becomes_an_mp4_through_the_gateway_with_the_local_engine()
    {
        using var client = fixture.CreateDevClient();
        var image = await ApiTestData.UploadPngAsync(client);
        var body = ApiTestData.KenBurns(image, duration: 2);
        body["input"]!["resolution"] = "180p";
        var job = await GatewayJourney.SubmitAsync(client, "/v1/videos", body);
        var final = await GatewayJourney.FollowToEndAsync(client, job);
        Assert.True(final.State == "succeeded", final.Job.ToJsonString());
        var video = final.Job["outputs"]!["video"]!.GetValue<string>();
        await GatewayJourney.AssertPlayableMp4Async(client, video, expectedSeconds: 2);
    }
}
