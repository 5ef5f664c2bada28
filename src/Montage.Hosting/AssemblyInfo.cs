using System.Runtime.Versioning;

// Process supervision relies on Linux: setpriv --pdeathsig, setsid, signals, /proc.
[assembly: SupportedOSPlatform("linux")]
