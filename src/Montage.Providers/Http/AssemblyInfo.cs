using System.Runtime.CompilerServices;

// Unit tests exercise the protocol classifiers and parsers directly.
[assembly: InternalsVisibleTo("Montage.Providers.Tests")]
