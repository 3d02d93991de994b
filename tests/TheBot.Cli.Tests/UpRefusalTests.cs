using System.Net.Sockets;
using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// An <c>up</c> refused because one of its ports is busy fails before it builds, renders, starts or writes anything,
/// names the port, its service and the override, and leaves the state folder as it found it: a fresh folder stays
/// empty (no generated secrets either), and the secrets of an earlier <c>up</c> stay as they were, so the next
/// <c>up</c> — with another <c>--port-offset</c> or state folder, or once the port is free — starts clean. No stack
/// runs: a listener on 127.0.0.1 holds Prometheus' port.
/// </summary>
public sealed class UpRefusalTests : IAsyncLifetime
{
    private StackLocation _location = null!;

    private StackPaths Paths => _location.Paths;

    public async Task InitializeAsync() => _location = await TemporaryStack.CreateAsync();

    public Task DisposeAsync() => TemporaryStack.RemoveAsync(_location);

    [Fact]
    public async Task Up_on_a_busy_port_fails_before_writing_anything_and_names_the_override()
    {
        var before = Contents();

        var text = await RefusedUpAsync();

        Assert.Equal(before, Contents());
        Assert.False(Directory.Exists(Paths.Secrets), $"{Paths.Secrets} was created");
        Assert.DoesNotContain("ready", text, StringComparison.Ordinal);
        Assert.All(_location.Ports.All.Where(p => p.Key != ServiceNames.Prometheus), p => Assert.True(Ports.IsFree(p.Value), $"{p.Key} listens on {p.Value}"));
    }

    [Fact]
    public async Task Up_on_a_busy_port_keeps_the_secrets_of_an_earlier_up_as_they_were()
    {
        string[] names = [SecretNames.ScrapeToken, SecretNames.AdminToken, SecretNames.PostgresPassword];
        var secrets = new StackSecrets(Paths);
        foreach (var name in names)
        {
            secrets.Get(name);
        }

        secrets.Save();

        var before = Contents();

        await RefusedUpAsync();

        Assert.Equal(before, Contents());
        Assert.Equal(names.Order(), Directory.EnumerateFiles(Paths.Secrets).Select(Path.GetFileName).Order());
    }

    /// <summary>Every folder and file under the state folder (the leftover sweep's owner file among them), a file with its text.</summary>
    private SortedDictionary<string, string> Contents() => new(
        Directory.EnumerateFileSystemEntries(Paths.Root, "*", SearchOption.AllDirectories)
            .ToDictionary(entry => Path.GetRelativePath(Paths.Root, entry), entry => File.Exists(entry) ? File.ReadAllText(entry) : "(folder)"),
        StringComparer.Ordinal);

    /// <summary>Runs <c>up --detach --no-build</c> with Prometheus' port held, asserts the refusal, and returns what it printed.</summary>
    private async Task<string> RefusedUpAsync()
    {
        var busy = _location.Ports[ServiceNames.Prometheus];
        using var squatter = new TcpListener(System.Net.IPAddress.Loopback, busy);
        squatter.Start();
        var printed = new StringWriter();
        var exit = await UpCommand.RunAsync(_location, detach: true, noBuild: true, printed, CancellationToken.None);
        var text = printed.ToString();
        Assert.True(exit == 1, text);
        Assert.Contains($"✗ port {busy} (prometheus) is in use; pick another with --port-offset N", text, StringComparison.Ordinal);
        Assert.Empty(ProcessSupervisor.ReadPidFiles(Paths));
        return text;
    }
}
