using System.Text.Json;
using System.Text.Json.Nodes;
using Montage.Gateway.Errors;
using Montage.Gateway.Media;
using Montage.Providers.Catalog;

namespace Montage.Gateway.Jobs;

/// <summary>
/// Replaces every media reference in a validated input (URLs, data: URIs, asset ids) with an asset id of the owner,
/// checking the kind of media each field expects. Every unusable reference is reported at once.
/// </summary>
internal sealed class MediaInputs(IMediaReferenceResolver resolver)
{
    /// <summary>Resolves every reference in place; true when any was imported (a URL or data: URI became a new asset).</summary>
    public async Task<bool> ResolveAsync(string owner, ModelDefinition model, JsonObject input, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var failures = new List<MediaReferenceException>();
        var before = input.ToJsonString();
        await ResolveObjectAsync(owner, model.Fields, input, "", errors, failures, cancellationToken).ConfigureAwait(false);
        if (failures.Count == 1)
        {
            var only = failures[0];
            throw new ApiProblemException(only.Status, only.Code, "A media reference cannot be used.", only.Message, errors);
        }

        if (failures.Count > 1)
        {
            var status = failures.All(f => f.Status == failures[0].Status) ? failures[0].Status : 422;
            throw new ApiProblemException(status, "invalid_media_references", "Some media references cannot be used.", null, errors);
        }

        // An asset id resolves to itself; anything else changed the input.
        return input.ToJsonString() != before;
    }

    private async Task ResolveObjectAsync(string owner, IReadOnlyList<FieldDefinition> fields, JsonObject input, string prefix,
        Dictionary<string, string[]> errors, List<MediaReferenceException> failures, CancellationToken cancellationToken)
    {
        foreach (var field in fields)
        {
            if (!input.TryGetPropertyValue(field.Name, out var node) || node is null)
            {
                continue;
            }

            var path = prefix + field.Name;
            switch (field.Type)
            {
                case FieldType.Media when node.GetValueKind() == JsonValueKind.String:
                    input[field.Name] = await ResolveOneAsync(owner, node.GetValue<string>(), MediaFields.ExpectedFor(field.Name), path, errors, failures, cancellationToken).ConfigureAwait(false);
                    break;
                case FieldType.MediaList when node is JsonArray list:
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
                        {
                            list[i] = await ResolveOneAsync(owner, value.GetValue<string>(), MediaFields.ExpectedFor(field.Name), $"{path}[{i}]", errors, failures, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    break;
                case FieldType.ObjectList when node is JsonArray items && field.Items is { } itemFields:
                    for (var i = 0; i < items.Count; i++)
                    {
                        if (items[i] is JsonObject item)
                        {
                            await ResolveObjectAsync(owner, itemFields, item, $"{path}[{i}].", errors, failures, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    break;
            }
        }
    }

    private async Task<string> ResolveOneAsync(string owner, string reference, ExpectedMedia expected, string path,
        Dictionary<string, string[]> errors, List<MediaReferenceException> failures, CancellationToken cancellationToken)
    {
        try
        {
            return await resolver.ResolveAsync(owner, reference, expected, cancellationToken).ConfigureAwait(false);
        }
        catch (MediaReferenceException exception)
        {
            errors[path] = [exception.Message];
            failures.Add(exception);
            return reference;
        }
    }
}
