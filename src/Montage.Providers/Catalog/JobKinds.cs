namespace Montage.Providers.Catalog;

/// <summary>The job kinds a catalog model can serve; the same strings travel in job records and APIs.</summary>
public static class JobKinds
{
    public const string ImageGenerate = "image.generate";
    public const string ImageComposite = "image.composite";
    public const string VideoAnimate = "video.animate";
    public const string VideoAvatar = "video.avatar";
    public const string VideoAssemble = "video.assemble";

    public static IReadOnlyList<string> All { get; } = [ImageGenerate, ImageComposite, VideoAnimate, VideoAvatar, VideoAssemble];
}
