using System.ComponentModel.DataAnnotations;

namespace Montage.Gateway.Assets;

/// <summary>Limits of the asset endpoints and of media references, from the <c>Gateway:Assets</c> section.</summary>
public sealed class GatewayAssetsOptions
{
    public const string SectionName = "Gateway:Assets";

    /// <summary>Largest file <c>POST /v1/assets</c> accepts; larger bodies are refused with 413 as soon as they pass it.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// Largest decoded <c>data:</c> URI in a request. Such a URI travels inside a JSON body that is held in memory,
    /// so this stays small; larger media goes through <c>POST /v1/assets</c> or a URL.
    /// </summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxDataUriBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Largest file a media reference URL may import; 0 leaves it to the asset store's own limit.</summary>
    [Range(0L, long.MaxValue)]
    public long MaxImportBytes { get; set; }

    /// <summary>Validity of signed URLs issued through <c>POST /v1/assets/{id}/signed-url</c> when the caller names none.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00")]
    public TimeSpan DefaultSignedUrlTtl { get; set; } = TimeSpan.FromHours(1);
}
