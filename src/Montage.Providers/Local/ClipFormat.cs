namespace Montage.Providers.Local;

/// <summary>The common shape every clip of an episode is brought to before joining.</summary>
public sealed record ClipFormat(int Width, int Height, int Fps)
{
    public void Check()
    {
        if (Width % 2 != 0 || Height % 2 != 0 || Width < 16 || Height < 16 || Fps < 1)
        {
            throw new ArgumentException("A clip format needs even width and height of at least 16 and a positive frame rate.");
        }
    }
}
