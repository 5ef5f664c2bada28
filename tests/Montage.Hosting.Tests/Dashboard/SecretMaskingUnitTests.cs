using Montage.Hosting.Dashboard;

namespace Montage.Hosting.Tests.Dashboard;

public sealed class SecretMaskingUnitTests
{
    [Theory]
    [InlineData("FAL_KEY")]
    [InlineData("KIE_API_KEY")]
    [InlineData("Providers__Fal__ApiKey")]
    [InlineData("WEBHOOK_SECRET")]
    [InlineData("POSTGRES_PASSWORD")]
    [InlineData("GITHUB_TOKEN")]
    public void Secret_names_hide_the_whole_value(string name)
    {
        var shown = SecretMasking.MaskValue(name, "s3cr3t-value", out var masked);

        Assert.True(masked);
        Assert.Equal(SecretMasking.Mask, shown);
    }

    [Theory]
    [InlineData("Host=db;Port=5432;Username=postgres;Password=pg-Secret;Database=jobs", "Host=db;Port=5432;Username=postgres;Password=••••••••;Database=jobs")]
    [InlineData("Host=db;password = 'a;b';Database=jobs", "Host=db;password = ••••••••;Database=jobs")]
    [InlineData("Server=db;Pwd=p@ss", "Server=db;Pwd=••••••••")]
    [InlineData("127.0.0.1:6379,password=redis-secret,abortConnect=false", "127.0.0.1:6379,password=••••••••,abortConnect=false")]
    [InlineData("redis://default:redis-secret@127.0.0.1:6379", "redis://default:••••••••@127.0.0.1:6379")]
    public void Passwords_inside_connection_strings_and_urls_are_hidden(string value, string expected)
    {
        var shown = SecretMasking.MaskValue("ConnectionStrings__jobs", value, out var masked);

        Assert.True(masked);
        Assert.Equal(expected, shown);
    }

    [Theory]
    [InlineData("ASPNETCORE_ENVIRONMENT", "Development")]
    [InlineData("services__jobs__grpc__0", "http://127.0.0.1:5102")]
    [InlineData("ConnectionStrings__cache", "127.0.0.1:6379")]
    public void Ordinary_values_are_shown(string name, string value)
    {
        Assert.Equal(value, SecretMasking.MaskValue(name, value, out var masked));
        Assert.False(masked);
    }
}
