using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Montage.AssetStorage.Transport;

/// <summary>
/// A Kestrel memory pool of large pinned blocks. Kestrel's own pool hands out 4 KiB blocks, and its socket transport
/// receives into one block at a time: an upload of 1 GiB cost 262,144 <c>recv</c> calls, and every 1 MiB chunk reached
/// the handler as 256 segments to hash, gather into <c>pwritev</c> and give back one by one. With 64 KiB blocks a read
/// takes what the socket holds (up to a block) and a chunk is 16 segments. Blocks are allocated on the pinned object
/// heap (the sockets and the file writes pin them for free) and at most <see cref="MaxRetainedBlocks"/> free blocks
/// are kept; the rest go back to the GC, so an idle service does not keep a burst's worth of buffers.
/// </summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;
    public const int MaxRetainedBlocks = 128;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _freeCount;
    private bool _disposed;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
            block.Lease();
            return block;
        }

        return new Block(this);
    }

    protected override void Dispose(bool disposing)
    {
        Volatile.Write(ref _disposed, true);
        _free.Clear();
    }

    private void Return(Block block)
    {
        if (Volatile.Read(ref _disposed))
        {
            return;
        }

        if (Interlocked.Increment(ref _freeCount) > MaxRetainedBlocks)
        {
            Interlocked.Decrement(ref _freeCount);
            return;
        }

        _free.Enqueue(block);
    }

    /// <summary>One pinned block. Disposing it (what a pipe does when it is done with a segment) gives it back.</summary>
    private sealed class Block : MemoryManager<byte>
    {
        private readonly LargeBlockMemoryPool _pool;
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
        private int _leased = 1;

        public Block(LargeBlockMemoryPool pool) => _pool = pool;

        public void Lease() => Volatile.Write(ref _leased, 1);

        public override Span<byte> GetSpan() => _array;

        public override Memory<byte> Memory => CreateMemory(BlockSize);

        public override unsafe MemoryHandle Pin(int elementIndex = 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, BlockSize);

            // The array lives on the pinned object heap: its address never changes, so no GC handle is needed.
            return new MemoryHandle(Unsafe.AsPointer(ref Unsafe.Add(ref _array[0], elementIndex)));
        }

        public override void Unpin()
        {
        }

        // The socket transport sends gathered buffers as array segments and requires array-backed memory.
        protected override bool TryGetArray(out ArraySegment<byte> segment)
        {
            segment = new ArraySegment<byte>(_array);
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            // A block given back twice would be handed out twice: only the first dispose of a lease counts.
            if (Interlocked.Exchange(ref _leased, 0) == 1)
            {
                _pool.Return(this);
            }
        }
    }
}
