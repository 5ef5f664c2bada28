using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Montage.Gateway.Webhooks;

/// <summary>
/// Provider webhooks already handed over, by a digest of the signed parts (signature and timestamp headers and the
/// body): an exact replay of a delivered webhook is refused. A provider's own retry is signed anew, so it differs.
/// </summary>
public sealed class WebhookReceipts(NpgsqlDataSource dataSource)
{
    public static byte[] Digest(string provider, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(provider + "\n"));
        foreach (var (name, value) in headers
            .Where(h => h.Key.Contains("signature", StringComparison.OrdinalIgnoreCase) || h.Key.Contains("timestamp", StringComparison.OrdinalIgnoreCase))
            .OrderBy(h => h.Key.ToUpperInvariant(), StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{name.ToUpperInvariant()}:{value}\n"));
        }

        hash.AppendData(body);
        return hash.GetHashAndReset();
    }

    public async Task<bool> SeenAsync(string provider, byte[] digest, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT 1 FROM webhook_receipts WHERE provider = $1 AND digest = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = provider });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = digest });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task RecordAsync(string provider, byte[] digest, string requestId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO webhook_receipts (provider, digest, request_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = provider });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = digest });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = requestId });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
