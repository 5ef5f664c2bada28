using Google.Protobuf.Reflection;
using Grpc.Reflection.V1;
using Montage.Grpc.Server;

namespace Montage.Grpc.Reflection;

/// <summary>
/// Answers reflection requests from the descriptors of the mapped services and every file they depend on.
/// The index is built on first use and rebuilt if more services were mapped since.
/// </summary>
internal sealed class ReflectionIndex
{
    private readonly GrpcServiceRegistry _registry;
    private readonly Lock _lock = new();
    private Snapshot? _snapshot;

    public ReflectionIndex(GrpcServiceRegistry registry)
    {
        _registry = registry;
    }

    public ServerReflectionResponse Handle(ServerReflectionRequest request)
    {
        var index = Current();
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                response.ListServicesResponse = new ListServiceResponse();
                response.ListServicesResponse.Service.AddRange(index.Services.Select(s => new ServiceResponse { Name = s }));
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFiles(response, index.Files.GetValueOrDefault(request.FileByFilename), "File not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFiles(response, index.Symbols.GetValueOrDefault(request.FileContainingSymbol), "Symbol not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                var extension = request.FileContainingExtension;
                SetFiles(response, index.Extensions.GetValueOrDefault((extension.ContainingType, extension.ExtensionNumber)), "Extension not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                var type = request.AllExtensionNumbersOfType;
                if (index.Messages.Contains(type))
                {
                    response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = type };
                    response.AllExtensionNumbersResponse.ExtensionNumber.AddRange(
                        index.Extensions.Keys.Where(k => k.Extendee == type).Select(k => k.Number).Order());
                }
                else
                {
                    SetError(response, StatusCode.NotFound, "Type not found.");
                }

                break;
            default:
                SetError(response, StatusCode.InvalidArgument, "The request names no reflection query.");
                break;
        }

        return response;
    }

    private static void SetFiles(ServerReflectionResponse response, FileDescriptor? file, string notFound)
    {
        if (file is null)
        {
            SetError(response, StatusCode.NotFound, notFound);
            return;
        }

        // The file first, then everything it depends on, so a client can build the descriptors without .proto files.
        var files = new FileDescriptorResponse();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<FileDescriptor>();
        pending.Push(file);
        while (pending.TryPop(out var next))
        {
            if (!seen.Add(next.Name))
            {
                continue;
            }

            files.FileDescriptorProto.Add(next.SerializedData);
            for (var i = next.Dependencies.Count - 1; i >= 0; i--)
            {
                pending.Push(next.Dependencies[i]);
            }
        }

        response.FileDescriptorResponse = files;
    }

    private static void SetError(ServerReflectionResponse response, StatusCode code, string message) =>
        response.ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };

    private Snapshot Current()
    {
        var services = _registry.Services;
        lock (_lock)
        {
            if (_snapshot is null || _snapshot.ServiceCount != services.Count)
            {
                _snapshot = Snapshot.Build(services);
            }

            return _snapshot;
        }
    }

    private sealed class Snapshot
    {
        public int ServiceCount { get; private init; }

        public List<string> Services { get; } = [];

        public Dictionary<string, FileDescriptor> Files { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, FileDescriptor> Symbols { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Messages { get; } = new(StringComparer.Ordinal);

        public Dictionary<(string Extendee, int Number), FileDescriptor> Extensions { get; } = [];

        public static Snapshot Build(IReadOnlyList<ServiceDescriptor> services)
        {
            var snapshot = new Snapshot { ServiceCount = services.Count };
            foreach (var service in services)
            {
                snapshot.Services.Add(service.FullName);
                snapshot.AddFile(service.File);
            }

            return snapshot;
        }

        private void AddFile(FileDescriptor file)
        {
            if (!Files.TryAdd(file.Name, file))
            {
                return;
            }

            foreach (var service in file.Services)
            {
                Symbols.TryAdd(service.FullName, file);
                foreach (var method in service.Methods)
                {
                    Symbols.TryAdd(method.FullName, file);
                }
            }

            foreach (var message in file.MessageTypes)
            {
                AddMessage(file, message);
            }

            foreach (var enumType in file.EnumTypes)
            {
                Symbols.TryAdd(enumType.FullName, file);
            }

            AddExtensions(file, file.Extensions.UnorderedExtensions);
            foreach (var dependency in file.Dependencies)
            {
                AddFile(dependency);
            }
        }

        private void AddMessage(FileDescriptor file, MessageDescriptor message)
        {
            Symbols.TryAdd(message.FullName, file);
            Messages.Add(message.FullName);
            foreach (var nested in message.NestedTypes)
            {
                AddMessage(file, nested);
            }

            foreach (var enumType in message.EnumTypes)
            {
                Symbols.TryAdd(enumType.FullName, file);
            }

            AddExtensions(file, message.Extensions.UnorderedExtensions);
        }

        private void AddExtensions(FileDescriptor file, IList<FieldDescriptor> extensions)
        {
            foreach (var extension in extensions)
            {
                Symbols.TryAdd(extension.FullName, file);
                Extensions.TryAdd((extension.ExtendeeType.FullName, extension.FieldNumber), file);
            }
        }
    }
}
