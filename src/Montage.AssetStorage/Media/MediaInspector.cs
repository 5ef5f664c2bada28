using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Assets.V1;
using Montage.Providers.Local;

namespace Montage.AssetStorage.Media;

/// <summary>The verdict on stored bytes: their real content type and kind, and the media facts ffprobe read.</summary>
internal sealed record InspectedContent(string ContentType, AssetKind Kind, Contracts.Assets.V1.MediaInfo? Media);

/// <summary>
/// Decides what bytes are: magic numbers first, then ffprobe confirms media (an image must decode completely, a
/// video must have a video stream, audio an audio stream). Bytes that claim a media type — by their magic numbers or
/// by the declared type — but do not probe as one are INVALID_ARGUMENT.
/// </summary>
internal sealed partial class MediaInspector(FfmpegRunner ffmpeg, MediaProbe probe, ILogger<MediaInspector> logger)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMinutes(2);

    // Non-media types a client may declare for OTHER content; none of them is rendered as active content by browsers.
    private static readonly HashSet<string> DeclarableOtherTypes = new(StringComparer.Ordinal)
    {
        "text/plain", "text/vtt", "application/x-subrip", "application/json",
    };

    public async Task<InspectedContent> InspectAsync(string path, ReadOnlyMemory<byte> header, string? declaredContentType, CancellationToken cancellationToken)
    {
        var sniffed = ContentSniffer.Sniff(header.Span);
        var declared = declaredContentType?.Split(';', 2)[0].Trim().ToLowerInvariant() ?? "";
        var claimed = ContentSniffer.KindClaimedBy(declared);
        if (!sniffed.IsMedia)
        {
            if (claimed != AssetKind.Other)
            {
                throw Errors.InvalidArgument($"the content was declared as {declared} but is not a recognised {KindName(claimed)} format");
            }

            return new InspectedContent(DeclarableOtherTypes.Contains(declared) ? declared : sniffed.ContentType, AssetKind.Other, null);
        }

        Providers.Local.MediaInfo facts;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(ProbeTimeout);
            try
            {
                facts = await probe.ProbeAsync(path, timeout.Token).ConfigureAwait(false);
                if (sniffed.Kind == AssetKind.Image && facts.Video is not null)
                {
                    // ffprobe reads only headers; a truncated or corrupt image is caught by decoding it completely.
                    await ffmpeg.RunAsync(["-err_detect", "explode", "-xerror", "-i", path, "-f", "null", "-"], null, timeout.Token).ConfigureAwait(false);
                }
            }
            catch (FfmpegException exception)
            {
                LogProbeFailed(logger, sniffed.ContentType, exception.Message);
                throw Errors.InvalidArgument($"the content looks like {sniffed.ContentType} but does not probe as a valid {KindName(sniffed.Kind)}");
            }
        }

        if (header.Length >= 8 && header.Span.Slice(4, 4).SequenceEqual("ftyp"u8) && !IsoBoxCheck.IsComplete(path))
        {
            throw Errors.InvalidArgument($"the {sniffed.ContentType} content is truncated");
        }

        var (contentType, kind) = Refine(sniffed, facts);
        if (claimed != AssetKind.Other && claimed != kind)
        {
            throw Errors.InvalidArgument($"the content was declared as {declared} but is {contentType}");
        }

        return new InspectedContent(contentType, kind, ToMediaInfo(kind, facts));
    }

    /// <summary>Containers that hold either video or only audio (MP4, WebM, Matroska) are told apart by their streams.</summary>
    private static (string ContentType, AssetKind Kind) Refine(SniffedType sniffed, Providers.Local.MediaInfo facts)
    {
        var hasPicture = facts.Video is { Width: > 0, Height: > 0 };
        switch (sniffed.Kind)
        {
            case AssetKind.Image when hasPicture:
                return (sniffed.ContentType, AssetKind.Image);
            case AssetKind.Video when hasPicture:
                return (sniffed.ContentType, AssetKind.Video);
            case AssetKind.Video when facts.Audio is not null:
                return (sniffed.ContentType switch
                {
                    "video/webm" => "audio/webm",
                    "video/x-matroska" => "audio/x-matroska",
                    _ => "audio/mp4",
                }, AssetKind.Audio);
            case AssetKind.Audio when facts.Audio is not null:
                return (sniffed.ContentType, AssetKind.Audio);
            default:
                throw Errors.InvalidArgument($"the content looks like {sniffed.ContentType} but has no {KindName(sniffed.Kind)} stream");
        }
    }

    private static Contracts.Assets.V1.MediaInfo ToMediaInfo(AssetKind kind, Providers.Local.MediaInfo facts)
    {
        var media = new Contracts.Assets.V1.MediaInfo
        {
            Width = facts.Video?.Width ?? 0,
            Height = facts.Video?.Height ?? 0,
            VideoCodec = facts.Video?.Codec ?? "",
            AudioCodec = facts.Audio?.Codec ?? "",
            HasAudio = facts.Audio is not null,
        };
        if (kind != AssetKind.Image)
        {
            if (facts.DurationSeconds > 0)
            {
                media.Duration = Duration.FromTimeSpan(TimeSpan.FromSeconds(facts.DurationSeconds));
            }

            media.Fps = kind == AssetKind.Video ? facts.Video?.FramesPerSecond ?? 0 : 0;
        }

        return media;
    }

    private static string KindName(AssetKind kind) => kind switch
    {
        AssetKind.Image => "image",
        AssetKind.Video => "video",
        AssetKind.Audio => "audio",
        _ => "media",
    };

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Content sniffed as {ContentType} was refused: {Reason}")]
    private static partial void LogProbeFailed(ILogger logger, string contentType, string reason);
}
