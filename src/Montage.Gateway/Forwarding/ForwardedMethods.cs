using System.Collections;
using System.Collections.Frozen;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Montage.Gateway.Forwarding;

/// <summary>
/// The Montage gRPC methods the gateway knows, and how an owner is imposed on their requests. A method is
/// forwardable to an API key when its request carries an owner (at any depth): every <c>owner</c> field, and an
/// <c>owner_scope</c> that is the chosen case of its oneof, is overwritten with the key's owner, so a key can only act
/// as itself. Methods whose requests carry no owner (worker calls such as Lease or Complete, provider event delivery)
/// are internal and refused. Provenance is the workers' to state (they call the services directly): an asset source
/// (<c>montage.assets.v1.AssetSource</c>, e.g. <c>UploadMetadata.source</c>, which could claim a job's output) is
/// cleared in every forwarded request, so the store records what a client sends as its own upload or import.
/// <para>
/// Client-streaming (and duplex) methods are forwarded only when reviewed here (<see cref="StreamingRule"/>): their
/// first message must carry the owner and is rewritten as above; every later message passes through unchanged (it is
/// streamed, never parsed into memory), so it may use only top-level fields that can carry no owner. A later message
/// with an owner-carrying field is refused with INVALID_ARGUMENT. The reviewed methods, from the protos:
/// </para>
/// <list type="bullet">
/// <item><c>montage.assets.v1.AssetStore/Upload</c> (client stream of <c>UploadRequest { oneof part { UploadMetadata
/// metadata = 1; bytes chunk = 2; } }</c>): the first message must be <c>metadata</c>, whose <c>owner</c> is imposed;
/// later messages may be <c>chunk</c> only. A later <c>metadata</c> would name an owner (the store refuses it too),
/// so the gateway refuses it itself rather than trusting the store to.</item>
/// </list>
/// <para>No Montage service has a duplex method today; one would be reviewed and listed the same way.</para>
/// </summary>
internal static class ForwardedMethods
{
    private static readonly FrozenDictionary<string, MethodDescriptor> Methods = new[]
        {
            Montage.Contracts.Jobs.V1.JobsReflection.Descriptor,
            Montage.Contracts.Assets.V1.AssetsReflection.Descriptor,
            Montage.Contracts.Images.V1.ImagesReflection.Descriptor,
            Montage.Contracts.Compositing.V1.CompositingReflection.Descriptor,
            Montage.Contracts.Videos.V1.VideosReflection.Descriptor,
        }
        .SelectMany(file => file.Services)
        .SelectMany(service => service.Methods)
        .ToFrozenDictionary(method => "/" + method.Service.FullName + "/" + method.Name, StringComparer.Ordinal);

    /// <summary>The client-streaming and duplex methods reviewed for forwarding (see the class remarks).</summary>
    private static readonly FrozenSet<string> ReviewedStreamingMethods = FrozenSet.ToFrozenSet(
        ["/montage.assets.v1.AssetStore/Upload"], StringComparer.Ordinal);

    /// <summary>Provenance only workers may state; cleared wherever a forwarded request carries it.</summary>
    private const string WorkerOnlyMessage = "montage.assets.v1.AssetSource";

    public static MethodDescriptor? Find(string path) => Methods.GetValueOrDefault(path);

    /// <summary>
    /// How the request stream of a client-streaming or duplex method is scoped, or null when the method is not
    /// reviewed for forwarding (or names no owner) and must be refused.
    /// </summary>
    public static StreamingRequestRule? StreamingRule(MethodDescriptor method)
    {
        ArgumentNullException.ThrowIfNull(method);
        var path = "/" + method.Service.FullName + "/" + method.Name;
        if (!method.IsClientStreaming || !ReviewedStreamingMethods.Contains(path))
        {
            return null;
        }

        var ownerFields = method.InputType.Fields.InDeclarationOrder()
            .Where(field => IsOwnerField(field) || (field.FieldType == FieldType.Message && !field.IsMap && CarriesOwner(field.MessageType)))
            .ToList();
        return ownerFields.Count == 0 ? null : new StreamingRequestRule(method, ownerFields);
    }

    /// <summary>Whether a request of this type names an owner the gateway can impose.</summary>
    public static bool CarriesOwner(MessageDescriptor message) => CarriesOwner(message, []);

    /// <summary>
    /// Overwrites every owner of <paramref name="message"/> (recursively) with <paramref name="owner"/>, and clears every
    /// asset source (see the class remarks).
    /// </summary>
    public static void ImposeOwner(IMessage message, string owner)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.FieldType == FieldType.Message && field.MessageType.FullName == WorkerOnlyMessage)
            {
                field.Accessor.Clear(message);
            }
            else if (IsOwnerField(field))
            {
                if (field.Name == "owner" || field.RealContainingOneof?.Accessor.GetCaseFieldDescriptor(message) == field)
                {
                    field.Accessor.SetValue(message, owner);
                }
            }
            else if (field.FieldType == FieldType.Message && !field.IsMap)
            {
                if (field.IsRepeated)
                {
                    foreach (var item in (IList)field.Accessor.GetValue(message))
                    {
                        ImposeOwner((IMessage)item, owner);
                    }
                }
                else if (field.Accessor.HasValue(message) && field.Accessor.GetValue(message) is IMessage child)
                {
                    ImposeOwner(child, owner);
                }
            }
        }
    }

    private static bool IsOwnerField(FieldDescriptor field) =>
        field.FieldType == FieldType.String && !field.IsRepeated && field.Name is "owner" or "owner_scope";

    private static bool CarriesOwner(MessageDescriptor message, HashSet<string> seen)
    {
        if (!seen.Add(message.FullName))
        {
            return false;
        }

        foreach (var field in message.Fields.InDeclarationOrder())
        {
            if (IsOwnerField(field) || (field.FieldType == FieldType.Message && !field.IsMap && CarriesOwner(field.MessageType, seen)))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// The owner-carrying top-level fields of a streaming method's request type: the first message must set one of them
/// (it is rewritten), later messages must set none (they pass through unchanged).
/// </summary>
internal sealed class StreamingRequestRule(MethodDescriptor method, IReadOnlyList<FieldDescriptor> ownerFields)
{
    public MethodDescriptor Method { get; } = method;

    public IReadOnlyList<FieldDescriptor> OwnerFields { get; } = ownerFields;

    /// <summary>Field numbers a later message may not use.</summary>
    public FrozenSet<int> RefusedLaterFields { get; } = ownerFields.Select(field => field.FieldNumber).ToFrozenSet();

    /// <summary>Names of the owner-carrying fields, for error messages (e.g. "metadata").</summary>
    public string OwnerFieldNames => string.Join(" or ", OwnerFields.Select(owner => owner.Name));

    /// <summary>Whether <paramref name="first"/> sets an owner-carrying field, so that the owner it names can be imposed.</summary>
    public bool NamesOwner(IMessage first)
    {
        ArgumentNullException.ThrowIfNull(first);
        foreach (var field in OwnerFields)
        {
            var set = field.FieldType == FieldType.Message
                ? field.Accessor.HasValue(first)
                : field.RealContainingOneof is { } oneof ? oneof.Accessor.GetCaseFieldDescriptor(first) == field : field.Name == "owner";
            if (set)
            {
                return true;
            }
        }

        return false;
    }
}
