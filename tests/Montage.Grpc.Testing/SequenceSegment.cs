using System.Buffers;

namespace Montage.Grpc.Testing;

/// <summary>
/// One link of a hand-built <see cref="ReadOnlySequence{T}"/>: tests split bytes into many segments, as a network
/// buffer made of pool blocks arrives, to check that readers handle values that straddle segments.
/// </summary>
public sealed class SequenceSegment : ReadOnlySequenceSegment<byte>
{
    public SequenceSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>Links a segment holding <paramref name="memory"/> after this one and returns it.</summary>
    public SequenceSegment Append(ReadOnlyMemory<byte> memory)
    {
        var next = new SequenceSegment(memory, RunningIndex + Memory.Length);
        Next = next;
        return next;
    }
}
