using System.Diagnostics;
using Montage.Grpc.InteropTests;

namespace Montage.Grpc.Bench;

/// <summary>
/// CPU used so far by this process and by the grpc-js server, and bytes allocated by this process: read at the start
/// and the end of a row's measured part, so that warm-up and JIT compilation are left out for both implementations.
/// </summary>
internal readonly record struct ProcessCost(TimeSpan DotnetCpu, TimeSpan NodeServerCpu, long DotnetAllocatedBytes)
{
    public static ProcessCost Read(NodeProcess nodeServer)
    {
        using var self = Process.GetCurrentProcess();
        return new ProcessCost(self.TotalProcessorTime, nodeServer.TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: true));
    }

    public static ProcessCost operator -(ProcessCost end, ProcessCost start) =>
        new(end.DotnetCpu - start.DotnetCpu, end.NodeServerCpu - start.NodeServerCpu, end.DotnetAllocatedBytes - start.DotnetAllocatedBytes);
}
