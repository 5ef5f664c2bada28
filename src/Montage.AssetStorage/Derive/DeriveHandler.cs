using System.Globalization;
using Montage.AssetStorage.Persistence;
using Montage.AssetStorage.Storage;
using Montage.Contracts.Assets.V1;
using Montage.Providers.Local;

namespace Montage.AssetStorage.Derive;

/// <summary>
/// Derive: thumbnails (image or video), poster frames and short low-resolution previews (video), rendered with FFmpeg
/// and stored as assets of the source's owner. A derivative is cached by (source, kind, parameters): asking again
/// returns the same asset.
/// </summary>
internal sealed class DeriveHandler(AssetStorageOptions options, AssetQueries queries, BlobStore blobs, AssetIngest ingest, FfmpegRunner ffmpeg)
{
    private const int DefaultThumbnailBox = 320;
    private const int DefaultPreviewBox = 480;
    private const int MaxBox = 4096;
    private static readonly TimeSpan PreviewLength = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan RenderTimeout = TimeSpan.FromMinutes(5);

    public async Task<Asset> HandleAsync(DeriveRequest request, CancellationToken cancellationToken)
    {
        var id = Errors.RequireAssetId(request.AssetId);
        if (request.MaxWidth is < 0 or > MaxBox || request.MaxHeight is < 0 or > MaxBox)
        {
            throw Errors.InvalidArgument($"max_width and max_height must be between 0 and {MaxBox}");
        }

        var source = await queries.GetAsync(id, request.Owner, cancellationToken).ConfigureAwait(false);
        var plan = Plan(request, source);
        if (await FindAsync(id, plan.Key, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        Directory.CreateDirectory(options.TempDirectory);
        var output = Path.Combine(options.TempDirectory, Guid.NewGuid().ToString("N") + plan.Extension);
        try
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(RenderTimeout);
                try
                {
                    await ffmpeg.RunAsync([.. plan.InputArguments, "-i", blobs.PathOf(source.Sha256), .. plan.OutputArguments, output], null, timeout.Token).ConfigureAwait(false);
                }
                catch (FfmpegException)
                {
                    throw Errors.FailedPrecondition($"the {plan.Derivative.ToString().ToLowerInvariant()} of asset {id} could not be rendered");
                }
            }

            await using var writer = new BlobWriter(options.TempDirectory, options.MaxUploadBytes);
            await using (var rendered = File.OpenRead(output))
            {
                var buffer = new byte[256 * 1024];
                int read;
                while ((read = await rendered.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }

            var description = new AssetDescription(
                source.Owner,
                $"{Path.GetFileNameWithoutExtension(source.Name)}-{plan.Derivative.ToString().ToLowerInvariant()}{plan.Extension}".TrimStart('-'),
                null,
                new AssetSource { Type = "derived", DerivedFromAssetId = id, Derivative = plan.Derivative },
                [],
                DerivedFrom: id,
                DeriveKey: plan.Key);
            return await ingest.CommitAsync(writer, description, null, 0, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            BlobWriter.TryDelete(output);
        }
    }

    private sealed record RenderPlan(DerivativeKind Derivative, string Key, string Extension, string[] InputArguments, string[] OutputArguments);

    private static RenderPlan Plan(DeriveRequest request, Asset source)
    {
        var isVideo = source.Kind == AssetKind.Video;
        switch (request.Kind)
        {
            case DerivativeKind.Thumbnail when isVideo || source.Kind == AssetKind.Image:
            {
                var (w, h) = Box(request, DefaultThumbnailBox);
                return new RenderPlan(DerivativeKind.Thumbnail, $"thumbnail:{w}x{h}", ".jpg", [],
                    ["-frames:v", "1", "-vf", Scale(w, h), "-q:v", "4", "-f", "image2", "-c:v", "mjpeg"]);
            }

            case DerivativeKind.Poster when isVideo:
            {
                var at = request.At?.ToTimeSpan() ?? TimeSpan.Zero;
                var duration = source.Media?.Duration?.ToTimeSpan();
                if (at < TimeSpan.Zero || (duration is { } d && at >= d))
                {
                    throw Errors.InvalidArgument("at must be within the video's duration");
                }

                var (w, h) = (request.MaxWidth, request.MaxHeight);
                var scale = w == 0 && h == 0 ? [] : new[] { "-vf", Scale(w == 0 ? MaxBox : w, h == 0 ? MaxBox : h) };
                var seconds = at.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
                return new RenderPlan(DerivativeKind.Poster, $"poster:{(long)at.TotalMilliseconds}:{w}x{h}", ".jpg", ["-ss", seconds],
                    ["-frames:v", "1", .. scale, "-q:v", "2", "-f", "image2", "-c:v", "mjpeg"]);
            }

            case DerivativeKind.Preview when isVideo:
            {
                var (w, h) = Box(request, DefaultPreviewBox);
                var length = PreviewLength.TotalSeconds.ToString(CultureInfo.InvariantCulture);
                return new RenderPlan(DerivativeKind.Preview, $"preview:{w}x{h}", ".mp4", [],
                    ["-t", length, "-vf", Scale(w, h), "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "30", "-pix_fmt", "yuv420p",
                     "-movflags", "+faststart", "-f", "mp4"]);
            }

            case DerivativeKind.Unspecified:
                throw Errors.InvalidArgument("kind is required: thumbnail, poster or preview");
            default:
                throw Errors.FailedPrecondition($"a {request.Kind.ToString().ToLowerInvariant()} cannot be derived from an asset of kind {source.Kind.ToString().ToLowerInvariant()}");
        }
    }

    private static (int Width, int Height) Box(DeriveRequest request, int fallback) =>
        (request.MaxWidth == 0 ? fallback : request.MaxWidth, request.MaxHeight == 0 ? fallback : request.MaxHeight);

    // Fits inside the box keeping the aspect ratio, never enlarges, and keeps even sizes for H.264.
    private static string Scale(int width, int height) =>
        string.Create(CultureInfo.InvariantCulture,
            $"scale=w='min({width},iw)':h='min({height},ih)':force_original_aspect_ratio=decrease:force_divisible_by=2");

    private async Task<Asset?> FindAsync(string id, string key, CancellationToken cancellationToken)
    {
        await using var command = queries.DataSource.CreateCommand($"SELECT {AssetRows.Columns} FROM assets WHERE derived_from = @id AND derive_key = @key");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? AssetRows.Read(reader) : null;
    }
}
