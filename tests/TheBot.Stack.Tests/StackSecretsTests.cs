using Xunit;

namespace TheBot.Stack.Tests;

/// <summary>
/// Describing a stack writes no secret, yet two descriptions of one state folder in one process are one stack: the
/// same generated password until it is saved, then the saved one (the detection suite compares a stack with its
/// customised twin; they disagreed when each generated its own).
/// </summary>
public sealed class StackSecretsTests : IDisposable
{
    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-secrets-");

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);

    [Fact]
    public void Two_descriptions_of_one_folder_share_an_unsaved_secret_and_nothing_is_written_until_saved()
    {
        var first = new StackSecrets(_paths);
        var second = new StackSecrets(_paths);
        var password = first.Get(SecretNames.PostgresPassword);
        Assert.Equal(password, second.Get(SecretNames.PostgresPassword));
        Assert.False(File.Exists(_paths.SecretFile(SecretNames.PostgresPassword)));

        second.Save();
        Assert.Equal(password, File.ReadAllText(_paths.SecretFile(SecretNames.PostgresPassword)));
        Assert.Equal(password, new StackSecrets(_paths).Get(SecretNames.PostgresPassword));

        // Another folder is another stack.
        var other = StackPaths.CreateTemporary("thebot-secrets-");
        try
        {
            Assert.NotEqual(password, new StackSecrets(other).Get(SecretNames.PostgresPassword));
        }
        finally
        {
            Directory.Delete(other.Root, recursive: true);
        }
    }
}
