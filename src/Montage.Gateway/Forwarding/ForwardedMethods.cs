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
/// are internal and refused.
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

    public static MethodDescriptor? Find(string path) => Methods.GetValueOrDefault(path);

    /// <summary>Whether a request of this type names an owner the gateway can impose.</summary>
    public static bool CarriesOwner(MessageDescriptor message) => CarriesOwner(message, []);

    /// <summary>Overwrites every owner of <paramref name="message"/> (recursively) with <paramref name="owner"/>.</summary>
    public static void ImposeOwner(IMessage message, string owner)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (IsOwnerField(field))
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
