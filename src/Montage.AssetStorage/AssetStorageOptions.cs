using System.ComponentModel.DataAnnotations;

namespace Montage.AssetStorage;

/// <summary>Settings of the asset store, from the <c>AssetStorage</c> configuration section.</summary>
public sealed class AssetStorageOptions
{
    public const string SectionName = "AssetStorage";

    /// <summary>Root of the blob store; blobs live under <c>blobs/ab/cd/&lt;sha256&gt;</c>, uploads in progress under <c>tmp/</c>.</summary>
    [Required]
    public string DataDir { get; set; } = "";

    /// <summary>HMAC-SHA256 key of signed download URLs; at least 32 characters. Never logged.</summary>
    [Required]
    [MinLength(32)]
    public string SigningKey { get; set; } = "";

    [Range(1L, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// Bytes per Download message (64 KiB to 1 MiB). The default, 80 KiB, is the largest chunk a .NET client parses
    /// into an array below the large-object heap threshold (85,000 bytes): with 1 MiB chunks every message cost the
    /// client a fresh large-object allocation (page faults, zeroing, background collections) and the download took
    /// more CPU on both sides, not less, despite 13 times fewer messages.
    /// </summary>
    [Range(64 * 1024, 1024 * 1024)]
    public int DownloadChunkBytes { get; set; } = 80 * 1024;

    /// <summary>
    /// Hosts (exact names) or CIDR ranges that ImportFromUrl may reach even though they are loopback, private or
    /// link-local. Empty in production; tests list their fake servers here.
    /// </summary>
    public List<string> ImportAllowlist { get; set; } = [];

    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ImportConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait for the next bytes of a response (headers or body).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ImportReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deadline of a whole import, retries included.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ImportDeadline { get; set; } = TimeSpan.FromMinutes(15);

    [Range(0, 20)]
    public int ImportMaxRedirects { get; set; } = 5;

    [Range(1, 10)]
    public int ImportMaxAttempts { get; set; } = 3;

    /// <summary>How long a fal CDN upload is trusted when fal does not say (its lifetime is configurable per account).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan FalUploadLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the collector looks for unreferenced blobs and abandoned temp files.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan GcInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Unreferenced blobs and temp files are removed only once they are this old.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan GcGracePeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Route of the gateway's content download; <c>{id}</c> is replaced by the asset id.</summary>
    [Required]
    public string SignedUrlPath { get; set; } = "/v1/assets/{id}/content";

    public string BlobsDirectory => Path.Combine(DataDir, "blobs");

    public string TempDirectory => Path.Combine(DataDir, "tmp");

    public override string ToString() => $"AssetStorageOptions {{ DataDir = {DataDir}, SigningKey = <redacted>, MaxUploadBytes = {MaxUploadBytes} }}";
}
