namespace Montage.Providers.Local;

/// <summary>Turns a media reference the local provider was given into a file it can hand to FFmpeg.</summary>
internal static class LocalMedia
{
    public static async Task<string> FetchAsync(string reference, string target, HttpClient http, long maxBytes, CancellationToken cancellationToken)
    {
        if (reference.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = reference.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || !reference[..comma].EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException("Only base64 data URIs are accepted.", nameof(reference));
            }

            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(reference[(comma + 1)..]);
            }
            catch (FormatException)
            {
                throw new ArgumentException("A data URI does not hold valid base64.", nameof(reference));
            }

            await File.WriteAllBytesAsync(target, bytes, cancellationToken).ConfigureAwait(false);
            return target;
        }

        if (Uri.TryCreate(reference, UriKind.Absolute, out var uri))
        {
            if (uri.IsFile)
            {
                return Existing(uri.LocalPath);
            }

            if (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            {
                using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                if (response.Content.Headers.ContentLength > maxBytes)
                {
                    throw new ArgumentException("An input file is too large.", nameof(reference));
                }

                var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using (source.ConfigureAwait(false))
                {
                    var file = File.Create(target);
                    await using (file.ConfigureAwait(false))
                    {
                        await CopyLimitedAsync(source, file, maxBytes, cancellationToken).ConfigureAwait(false);
                    }
                }

                return target;
            }
        }

        if (Path.IsPathFullyQualified(reference))
        {
            return Existing(reference);
        }

        throw new ArgumentException("A media reference is not a URL, file path or data URI; resolve asset ids before submitting.", nameof(reference));
    }

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new ArgumentException("An input file does not exist.", nameof(path));

    private static async Task CopyLimitedAsync(Stream source, Stream destination, long maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                throw new ArgumentException("An input file is too large.", nameof(source));
            }

            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
    }
}
