using Montage.Hosting.Testing;

namespace Montage.Hosting.Tests.Support;

public static class TestPaths
{
    public static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public static string TestApps => Path.Combine(AppContext.BaseDirectory, "TestApps");

    public static string RepositoryRoot => RepositoryLayout.Root() ?? throw new InvalidOperationException("Aspire.sln not found above the test output.");

    public static string TestServiceProject => Path.Combine(RepositoryRoot, "tests/Montage.Hosting.Tests/TestService/Montage.Hosting.TestService.csproj");

    /// <summary>The built AppHost, from the same configuration as the tests when possible.</summary>
    public static string AppHostAssembly
    {
        get
        {
#if DEBUG
            string[] configurations = ["Debug", "Release"];
#else
            string[] configurations = ["Release", "Debug"];
#endif
            foreach (var configuration in configurations)
            {
                var path = Path.Combine(RepositoryRoot, "AppHost/bin", configuration, "net10.0/Montage.AppHost.dll");
                if (File.Exists(path))
                {
                    return path;
                }
            }

            throw new InvalidOperationException("The AppHost is not built.");
        }
    }

    public static string NewTempDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(path);
        return path;
    }
}
