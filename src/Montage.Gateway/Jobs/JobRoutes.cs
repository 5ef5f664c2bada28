using Montage.Providers.Catalog;

namespace Montage.Gateway.Jobs;

/// <summary>The creating endpoints and the job kind each one accepts.</summary>
public static class JobRoutes
{
    public static IReadOnlyList<(string Path, string Kind, string Summary)> Creating { get; } =
    [
        ("/v1/images", JobKinds.ImageGenerate, "Generates images from a prompt."),
        ("/v1/composites", JobKinds.ImageComposite, "Composites characters into a scene."),
        ("/v1/videos", JobKinds.VideoAnimate, "Animates an image into a video shot."),
        ("/v1/avatars", JobKinds.VideoAvatar, "Makes a talking-head video from a portrait and a voice track."),
        ("/v1/assemblies", JobKinds.VideoAssemble, "Assembles clips into an episode."),
    ];

    public static string PathOf(string kind) => Creating.FirstOrDefault(c => c.Kind == kind).Path ?? "/v1/jobs";
}
