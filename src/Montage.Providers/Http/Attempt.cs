using Montage.Providers.Abstractions;

namespace Montage.Providers.Http;

/// <summary>What one HTTP attempt produced: a value, or a classified error and whether to try again.</summary>
internal readonly record struct Attempt<T>(T? Value, ProviderError? Error, bool Retry)
{
    public static Attempt<T> Success(T value) => new(value, null, false);

    public static Attempt<T> Fail(ProviderError error, bool retry) => new(default, error, retry);
}
