using System.Net;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class SmokeFunctionalTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Health_answers_once_the_system_is_up()
    {
        using var client = fixture.CreateClient();
        using var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
