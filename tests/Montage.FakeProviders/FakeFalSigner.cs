using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Montage.FakeProviders;

/// <summary>The fake fal's Ed25519 webhook keys: one signing key, and the public keys its JWKS publishes.</summary>
public sealed class FakeFalSigner
{
    private readonly Lock gate = new();
    private readonly List<(string Kid, Ed25519PublicKeyParameters Key)> published = [];
    private Ed25519PrivateKeyParameters signingKey;
    private int fetches;

    public FakeFalSigner()
    {
        signingKey = NewKey();
        published.Add(("key-1", signingKey.GeneratePublicKey()));
    }

    public int JwksFetches => Volatile.Read(ref fetches);

    /// <summary>Signs with a new key from now on; published in the JWKS only when <paramref name="publish"/>.</summary>
    public void Rotate(bool publish = true)
    {
        lock (gate)
        {
            signingKey = NewKey();
            if (publish)
            {
                published.Add(($"key-{published.Count + 1}", signingKey.GeneratePublicKey()));
            }
        }
    }

    public string Jwks()
    {
        Interlocked.Increment(ref fetches);
        lock (gate)
        {
            var keys = new JsonArray(published.Select(k => (JsonNode)new JsonObject
            {
                ["kty"] = "OKP",
                ["crv"] = "Ed25519",
                ["kid"] = k.Kid,
                ["use"] = "sig",
                ["x"] = Base64Url(k.Key.GetEncoded()),
            }).ToArray());
            return new JsonObject { ["keys"] = keys }.ToJsonString();
        }
    }

    /// <summary>The four fal signature headers for a body.</summary>
    public Dictionary<string, string> Sign(string requestId, string userId, long timestamp, byte[] body)
    {
        var message = Encoding.UTF8.GetBytes($"{requestId}\n{userId}\n{timestamp}\n{Convert.ToHexStringLower(SHA256.HashData(body))}");
        var signer = new Ed25519Signer();
        lock (gate)
        {
            signer.Init(true, signingKey);
        }

        signer.BlockUpdate(message, 0, message.Length);
        return new Dictionary<string, string>
        {
            ["X-Fal-Webhook-Request-Id"] = requestId,
            ["X-Fal-Webhook-User-Id"] = userId,
            ["X-Fal-Webhook-Timestamp"] = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["X-Fal-Webhook-Signature"] = Convert.ToHexStringLower(signer.GenerateSignature()),
        };
    }

    public void Reset()
    {
        lock (gate)
        {
            signingKey = NewKey();
            published.Clear();
            published.Add(("key-1", signingKey.GeneratePublicKey()));
        }

        Interlocked.Exchange(ref fetches, 0);
    }

    private static Ed25519PrivateKeyParameters NewKey()
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        return (Ed25519PrivateKeyParameters)generator.GenerateKeyPair().Private;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
