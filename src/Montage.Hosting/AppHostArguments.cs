namespace Montage.Hosting;

/// <summary>
/// The AppHost's own command line: <c>[publish --format compose|kubernetes --output DIR] [--data-dir DIR] [--no-dashboard]</c>.
/// Everything else goes to configuration (<c>--Key=value</c>).
/// </summary>
internal sealed record AppHostArguments(
    bool Publish, string? PublishFormat, string? PublishOutput, string? DataDirectory, bool NoDashboard, string[] Remaining)
{
    public static AppHostArguments Parse(IReadOnlyList<string> args)
    {
        var publish = false;
        var noDashboard = false;
        string? format = null, output = null, dataDirectory = null;
        var remaining = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "publish" when i == 0:
                    publish = true;
                    break;
                case "--format":
                    format = ValueAfter(args, ref i);
                    break;
                case "--output" or "-o":
                    output = ValueAfter(args, ref i);
                    break;
                case "--data-dir":
                    dataDirectory = ValueAfter(args, ref i);
                    break;
                case "--no-dashboard":
                    noDashboard = true;
                    break;
                default:
                    if (arg.StartsWith("--data-dir=", StringComparison.Ordinal))
                    {
                        dataDirectory = arg["--data-dir=".Length..];
                    }
                    else
                    {
                        remaining.Add(arg);
                    }

                    break;
            }
        }

        return new AppHostArguments(publish, format, output, dataDirectory, noDashboard, [.. remaining]);
    }

    private static string ValueAfter(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count)
        {
            throw new ArgumentException($"{args[i]} needs a value.");
        }

        return args[++i];
    }
}
