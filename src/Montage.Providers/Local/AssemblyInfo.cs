using System.Runtime.CompilerServices;

// The engine's filter-building helpers are internal; their unit tests live in the provider tests.
[assembly: InternalsVisibleTo("Montage.Providers.Tests")]
