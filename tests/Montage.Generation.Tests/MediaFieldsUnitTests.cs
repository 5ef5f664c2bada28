using System.Text.Json.Nodes;
using Montage.Generation.Models;
using Montage.Providers.Catalog;

namespace Montage.Generation.Tests;

public sealed class MediaFieldsUnitTests
{
    [Fact]
    public void Media_references_come_with_their_field_paths_and_kinds()
    {
        var model = ModelCatalog.Load().Get("local/assemble");
        var input = new JsonObject { ["clips"] = new JsonArray("a1", "a2"), ["audio"] = "m1" };

        var found = MediaFields.Enumerate(model.Fields, input).ToList();

        Assert.Equal(new[] { ("clips[0]", "a1", "video"), ("clips[1]", "a2", "video"), ("audio", "m1", "audio") }, found);
    }
}
