using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Montage.AssetStorage.Storage;

/// <summary>
/// Starts the disk writes of a file being received while it is still arriving (Linux <c>sync_file_range</c> with
/// SYNC_FILE_RANGE_WRITE, which queues writeback without waiting for it). Without this a large upload sits in the page
/// cache as dirty pages until the final fsync, which then writes the whole file while the client waits; with it the
/// fsync finds most of the file on disk already. Only a hint: durability still comes from that fsync.
/// </summary>
internal sealed class EarlyWriteback(SafeFileHandle file)
{
    /// <summary>Writeback is started in steps of this many bytes, large enough to keep the syscall count low.</summary>
    public const long StepBytes = 8 * 1024 * 1024;

    private const uint SyncFileRangeWrite = 2;

    private readonly bool _supported = OperatingSystem.IsLinux();
    private long _startedUpTo;

    /// <summary>Called with the file's length after each write; starts writeback of every complete step not started yet.</summary>
    public void Advance(long length)
    {
        if (!_supported || length - _startedUpTo < StepBytes)
        {
            return;
        }

        var end = length - (length % StepBytes);
        bool started;
        try
        {
            started = SyncFileRange(file, _startedUpTo, end - _startedUpTo, SyncFileRangeWrite) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            started = false;
        }

        // Not supported here (C library, file system): the final fsync does all the work, as before.
        _startedUpTo = started ? end : long.MaxValue;
    }

    // DllImport rather than LibraryImport: the generated marshalling of a SafeFileHandle needs unsafe code.
    [DllImport("libc.so.6", EntryPoint = "sync_file_range", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SyncFileRange(SafeFileHandle fd, long offset, long nbytes, uint flags);
}
