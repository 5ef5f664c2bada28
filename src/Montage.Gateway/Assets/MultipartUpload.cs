using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Montage.Gateway.Assets;

/// <summary>
/// Reads a <c>multipart/form-data</c> upload without buffering it: the optional text fields (<c>name</c>,
/// <c>tags</c>/<c>tag</c>) come first, then exactly one file part whose body is handed on as a stream while it
/// arrives. A part after the file fails the file stream at its end, so the store discards the upload.
/// </summary>
internal static class MultipartUpload
{
    public const int MaxFieldBytes = 4 * 1024;
    private const int MaxFields = 64;

    /// <summary>The fields read before the file, and the file's part; an explicit <c>name</c> field wins over the file's name.</summary>
    public sealed record FilePart(string? Name, string? ContentType, IReadOnlyList<string> Tags, Stream Content);

    public static async Task<FilePart> ReadUntilFileAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        string? name = null;
        var tags = new List<string>();
        for (var fields = 0; ; fields++)
        {
            var section = await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new UploadShapeException("file", "The form has no file part.");
            if (fields >= MaxFields)
            {
                throw new UploadShapeException("form", $"The form has more than {MaxFields} fields.");
            }

            // IsFormDisposition means a form-data part without a file name, IsFileDisposition one with a file name.
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !(disposition.IsFormDisposition() || disposition.IsFileDisposition()))
            {
                throw new UploadShapeException("form", "Every part needs a 'Content-Disposition: form-data' header.");
            }

            var fieldName = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            if (disposition.IsFileDisposition())
            {
                var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                return new FilePart(name ?? BaseName(fileName), section.ContentType, tags, new SingleFileStream(section.Body, reader));
            }

            var value = await ReadFieldAsync(section, fieldName, cancellationToken).ConfigureAwait(false);
            switch (fieldName)
            {
                case "name":
                    name = value;
                    break;
                case "tag":
                    tags.Add(value);
                    break;
                case "tags":
                    tags.AddRange(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                    break;
                default:
                    throw new UploadShapeException(fieldName, $"The form field '{AssetProblems.Shorten(fieldName)}' is not known; use name, tags or tag, then the file.");
            }

        }
    }

    private static async Task<string> ReadFieldAsync(MultipartSection section, string fieldName, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await section.Body.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        if (total > MaxFieldBytes)
        {
            throw new UploadShapeException(fieldName, $"The form field '{AssetProblems.Shorten(fieldName)}' is longer than {MaxFieldBytes} bytes.");
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
    }

    /// <summary>Browsers send a bare file name, but some clients send a path: only its last segment names the asset.</summary>
    private static string? BaseName(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName))
        {
            return null;
        }

        var cut = fileName.LastIndexOfAny(['/', '\\']);
        return cut < 0 ? fileName : fileName[(cut + 1)..];
    }

    /// <summary>The file part's body; at its end, checks that the form ends there too.</summary>
    private sealed class SingleFileStream(Stream part, MultipartReader reader) : ForwardReadStream(part)
    {
        private bool _ended;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_ended)
            {
                return 0;
            }

            var read = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _ended = true;
                if (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is not null)
                {
                    throw new UploadShapeException("form", "The form has a part after the file; send name and tags before the file, and one file only.");
                }
            }

            return read;
        }
    }
}

/// <summary>An upload whose form does not have the expected shape (answered with 400 and the field at fault).</summary>
internal sealed class UploadShapeException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
