using System.Text.Json.Nodes;
using Montage.Providers.Abstractions;
using Montage.Providers.Catalog;

namespace Montage.Providers.Tests.Catalog;

public sealed class ModelCatalogUnitTests
{
    private static readonly ModelCatalog Catalog = ModelCatalog.Load();

    public static TheoryData<string, string, string> ExpectedModels => new()
    {
        { "fal-ai/ideogram/v3", JobKinds.ImageGenerate, ProviderNames.Fal },
        { "fal-ai/flux-pro/kontext/multi", JobKinds.ImageComposite, ProviderNames.Fal },
        { "fal-ai/kling-video/v2.1/pro/image-to-video", JobKinds.VideoAnimate, ProviderNames.Fal },
        { "fal-ai/kling-video/v2.6/pro/image-to-video", JobKinds.VideoAnimate, ProviderNames.Fal },
        { "fal-ai/ltx-2/image-to-video", JobKinds.VideoAnimate, ProviderNames.Fal },
        { "fal-ai/veo3.1/image-to-video", JobKinds.VideoAnimate, ProviderNames.Fal },
        { "wan/v2.6/image-to-video", JobKinds.VideoAnimate, ProviderNames.Fal },
        { "fal-ai/kling-video/v1/pro/ai-avatar", JobKinds.VideoAvatar, ProviderNames.Fal },
        { "fal-ai/kling-video/ai-avatar/v2/pro", JobKinds.VideoAvatar, ProviderNames.Fal },
        { "hedra/character-2", JobKinds.VideoAvatar, ProviderNames.Fal },
        { "kie/kling-3.0/video", JobKinds.VideoAnimate, ProviderNames.Kie },
        { "kie/kling-3.0/image", JobKinds.ImageGenerate, ProviderNames.Kie },
        { "kie/kling/ai-avatar-v1-pro", JobKinds.VideoAvatar, ProviderNames.Kie },
        { "local/storyboard", JobKinds.ImageGenerate, ProviderNames.Local },
        { "local/overlay", JobKinds.ImageComposite, ProviderNames.Local },
        { "local/kenburns", JobKinds.VideoAnimate, ProviderNames.Local },
        { "local/avatar", JobKinds.VideoAvatar, ProviderNames.Local },
        { "local/assemble", JobKinds.VideoAssemble, ProviderNames.Local },
    };

    [Theory]
    [MemberData(nameof(ExpectedModels))]
    public void Every_model_of_the_providers_list_is_in_the_catalog_with_its_kind_and_provider(string id, string kind, string provider)
    {
        Assert.True(Catalog.TryGet(id, out var model));
        Assert.Equal(kind, model.Kind);
        Assert.Equal(provider, model.Provider);
        Assert.NotEmpty(model.Fields);
        Assert.True(model.Timeout >= model.TypicalDuration);
    }

    [Fact]
    public void The_catalog_holds_exactly_the_listed_models()
    {
        var expected = ExpectedModels.Select(row => (string)row[0]).Order(StringComparer.Ordinal);
        Assert.Equal(expected, Catalog.Models.Select(m => m.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_returns_one_shared_instance()
    {
        Assert.Same(ModelCatalog.Load(), ModelCatalog.Load());
    }

    [Fact]
    public void Hedra_is_unavailable_and_names_the_kling_avatar_v2_as_replacement()
    {
        var hedra = Catalog.Get("hedra/character-2");
        Assert.False(hedra.Available);
        Assert.Null(hedra.Endpoint);
        Assert.Equal("fal-ai/kling-video/ai-avatar/v2/pro", hedra.Replacement);
        Assert.True(Catalog.Get(hedra.Replacement!).Available);

        var result = Catalog.Validate("hedra/character-2", new JsonObject { ["image"] = "ast_a", ["audio"] = "ast_b" });
        var error = Assert.Single(result.Errors);
        Assert.Equal(("model", ValidationCodes.ModelUnavailable), (error.Path, error.Code));
        Assert.Contains("fal-ai/kling-video/ai-avatar/v2/pro", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Remote_endpoints_follow_the_id_rule()
    {
        foreach (var model in Catalog.Models.Where(m => m.Available))
        {
            var expectedId = model.Provider switch
            {
                ProviderNames.Fal => model.Endpoint,
                ProviderNames.Kie => "kie/" + model.Endpoint,
                _ => "local/" + model.Endpoint,
            };
            Assert.Equal(expectedId, model.Id);
        }
    }

    [Theory]
    [InlineData("fal-ai/kling-video/v2.1/pro/image-to-video", 600)]
    [InlineData("fal-ai/kling-video/v1/pro/ai-avatar", 720)]
    [InlineData("kie/kling/ai-avatar-v1-pro", 720)]
    public void Job_deadlines_follow_the_design(string id, int timeoutSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(timeoutSeconds), Catalog.Get(id).Timeout);
    }

    [Fact]
    public void Capabilities_describe_audio_end_frame_elements_and_max_duration()
    {
        var kling3 = Catalog.Get("kie/kling-3.0/video").Capabilities;
        Assert.True(kling3.Audio && kling3.EndFrame && kling3.Elements && kling3.MultiShot);
        Assert.Equal(15, kling3.MaxDurationSeconds);

        var kling21 = Catalog.Get("fal-ai/kling-video/v2.1/pro/image-to-video").Capabilities;
        Assert.False(kling21.Audio);
        Assert.True(kling21.EndFrame);
        Assert.Equal(10, kling21.MaxDurationSeconds);

        Assert.False(Catalog.Get("fal-ai/ltx-2/image-to-video").Capabilities.EndFrame);
    }

    [Fact]
    public void ByKind_lists_every_model_of_that_kind()
    {
        var avatars = Catalog.ByKind(JobKinds.VideoAvatar).Select(m => m.Id).ToList();
        Assert.Equal(5, avatars.Count);
        Assert.Contains("local/avatar", avatars);
        Assert.Single(Catalog.ByKind(JobKinds.VideoAssemble));
        Assert.Equal(5, Catalog.ByProvider(ProviderNames.Local).Count);
    }

    [Fact]
    public void Get_of_an_unknown_id_throws_and_validate_reports_it()
    {
        Assert.Throws<KeyNotFoundException>(() => Catalog.Get("fal-ai/nope"));
        Assert.False(Catalog.TryGet("fal-ai/nope", out _));
        var error = Assert.Single(Catalog.Validate("fal-ai/nope", []).Errors);
        Assert.Equal(ValidationCodes.UnknownModel, error.Code);
    }

    [Theory]
    [InlineData("""{"id":"a","title":"t","kind":"image.draw","provider":"local","endpoint":"a","typicalDurationSeconds":1,"timeoutSeconds":2,"capabilities":{},"price":{"per":"request","quantity":"request","rates":[{"usd":0}]},"fields":[{"name":"prompt","type":"string"}]}""", "unknown kind")]
    [InlineData("""{"id":"a","title":"t","kind":"image.generate","provider":"local","endpoint":"a","available":false,"typicalDurationSeconds":1,"timeoutSeconds":2,"capabilities":{},"price":{"per":"request","quantity":"request","rates":[{"usd":0}]},"fields":[{"name":"prompt","type":"string"}]}""", "replacement")]
    [InlineData("""{"id":"a","title":"t","kind":"image.generate","provider":"local","endpoint":"a","typicalDurationSeconds":5,"timeoutSeconds":2,"capabilities":{},"price":{"per":"request","quantity":"request","rates":[{"usd":0}]},"fields":[{"name":"prompt","type":"string"}]}""", "timeout")]
    [InlineData("""{"id":"a","title":"t","kind":"image.generate","provider":"local","endpoint":"a","typicalDurationSeconds":1,"timeoutSeconds":2,"capabilities":{},"price":{"per":"request","quantity":"request","rates":[{"when":{"speed":"X"},"usd":0}]},"fields":[{"name":"prompt","type":"string"}]}""", "price")]
    [InlineData("""{"id":"a","title":"t","kind":"image.generate","provider":"local","endpoint":"a","typicalDurationSeconds":1,"timeoutSeconds":2,"capabilities":{},"price":{"per":"request","quantity":"request","rates":[{"usd":0}]},"fields":[{"name":"n","type":"integer","enum":[1,2],"default":3}]}""", "default")]
    public void An_inconsistent_catalog_is_refused_at_load(string model, string problem)
    {
        var error = Assert.Throws<InvalidDataException>(() => ModelCatalog.Parse($$"""{"models":[{{model}}]}"""));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_catalog_with_an_unknown_property_is_refused()
    {
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => ModelCatalog.Parse("""{"models":[],"extra":1}"""));
    }
}
