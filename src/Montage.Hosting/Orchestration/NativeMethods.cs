using System.Runtime.InteropServices;

namespace Montage.Hosting.Orchestration;

internal static partial class NativeMethods
{
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    /// <summary>Sends a signal; false when the process is already gone.</summary>
    public static bool Signal(int pid, int signal) => KillNative(pid, signal) == 0;

    public static bool IsRoot => GetEffectiveUserId() == 0;

    public static string SignalName(int signal) => signal switch
    {
        SIGINT => "SIGINT",
        SIGKILL => "SIGKILL",
        SIGTERM => "SIGTERM",
        _ => $"signal {signal}",
    };
}
