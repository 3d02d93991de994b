using TheBot.Cli.Checks;
using TheBot.Cli.Local;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// With real receivers the rendered alertmanager.yml holds ALERT_WEBHOOK_URL and DEADMANS_SWITCH_URL inline, secrets
/// of SPEC §8: it is readable by its owner only (0600), like the secrets files, also when an earlier render left a
/// world-readable one in its place. Nothing is started.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AlertmanagerSecretModeTests : IDisposable
{
    private const string WebhookUrl = "http://127.0.0.1:9/webhook/secret-token-4f1c";
    private const string DeadmansUrl = "http://127.0.0.1:9/deadmans/secret-token-9a2e";

    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-alertmanager-mode-");

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);

    [Fact]
    public async Task The_rendered_alertmanager_yml_with_real_receivers_is_readable_by_its_owner_only()
    {
        var renderer = new ConfigRenderer(RepositoryRoot.Find(), _paths);
        Directory.CreateDirectory(_paths.Config);
        await File.WriteAllTextAsync(renderer.AlertmanagerConfig, "# left by an earlier render\n");
        File.SetUnixFileMode(renderer.AlertmanagerConfig, (UnixFileMode)0b110_100_100);

        var mode = await renderer.RenderAlertmanagerAsync("http://127.0.0.1:9/inbox", CancellationToken.None, new Receivers());

        Assert.StartsWith("real receivers", mode, StringComparison.Ordinal);
        var text = await File.ReadAllTextAsync(renderer.AlertmanagerConfig);
        Assert.Contains(WebhookUrl, text, StringComparison.Ordinal);
        Assert.Contains(DeadmansUrl, text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(renderer.AlertmanagerConfig));
    }

    /// <summary>Every receiver variable set (as <c>.env.production</c> would set them), the two URLs this test looks for among them.</summary>
    private sealed class Receivers : StackCustomization
    {
        public override IReadOnlyDictionary<string, string> ReceiverVariables { get; } =
            new Dictionary<string, string>(AlertmanagerCheck.DummySecrets) { ["ALERT_WEBHOOK_URL"] = WebhookUrl, ["DEADMANS_SWITCH_URL"] = DeadmansUrl };
    }
}
