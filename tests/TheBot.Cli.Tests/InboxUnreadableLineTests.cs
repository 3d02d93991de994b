using System.Text.Json;
using TheBot.Cli.Inbox;
using TheBot.Cli.Local;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// A line of <c>DIR/inbox/notifications.jsonl</c> cut short (the inbox killed or out of disk space in the middle of an
/// append, or read while it is being written) is skipped and counted, never thrown: the reader returns the other
/// notifications, <c>status</c> and <c>test-alert</c> name the file and the count instead of a stack trace, and the
/// next append starts on a fresh line so the broken line does not take the good one with it. No stack runs.
/// </summary>
public sealed class InboxUnreadableLineTests : IDisposable
{
    // Ports of this offset (5432+, 8000+, 9090+ … → 26000-33000) are below the ephemeral range and free on this machine.
    private const string Offset = "23456";

    private const string Good = """{"receiver":"ops","received_at":"2026-12-05T00:00:00Z","payload":{"alerts":[{"labels":{"alertname":"Watchdog"},"status":"firing"}]}}""";

    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-inbox-");

    /// <summary>The stack's inbox folder (<c>LocalStack.InboxDirectory</c>).</summary>
    private string InboxDir => Path.Combine(_paths.Root, "inbox");

    private string InboxFile => Path.Combine(InboxDir, NotificationInbox.FileName);

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);

    [Fact]
    public void A_truncated_line_is_skipped_and_counted_by_the_reader()
    {
        SeedInbox(Good + "\n" + """{"receiver":"ops","payl""" + "\n" + "null\n" + Good + "\n" + """{"receiver":"cut""");

        var contents = NotificationInbox.ReadAll(InboxDir);

        Assert.Equal(2, contents.Notifications.Count);
        Assert.All(contents.Notifications, n => Assert.Equal("ops", (string?)n["receiver"]));
        Assert.Equal(3, contents.UnreadableLines);
        Assert.Contains($"3 unreadable line(s) in {InboxFile}", contents.UnreadableNote, StringComparison.Ordinal);
        Assert.Equal(2, NotificationInbox.Read(InboxDir).Count);
    }

    [Fact]
    public async Task An_append_after_a_line_cut_short_starts_on_a_fresh_line()
    {
        SeedInbox(Good + "\n" + """{"receiver":"ops","payl""");

        await NotificationInbox.AppendLineAsync(InboxFile, Good);

        Assert.Equal(Good + "\n" + """{"receiver":"ops","payl""" + "\n" + Good + "\n", File.ReadAllText(InboxFile));
        var contents = NotificationInbox.ReadAll(InboxDir);
        Assert.Equal((2, 1), (contents.Notifications.Count, contents.UnreadableLines));
    }

    [Fact]
    public async Task Status_with_a_truncated_inbox_line_names_the_file_and_counts_it()
    {
        SeedInbox(Good + "\n" + """{"receiver":"ops","payl""");

        var (exit, output, error) = await VerbInvoker.InvokeSplitAsync(["status", "--json", "--state-dir", _paths.Root, "--port-offset", Offset]);

        Assert.Equal(3, exit); // nothing runs: every service is down
        Assert.Equal("", error);
        using var document = JsonDocument.Parse(output);
        var inbox = document.RootElement.GetProperty("data").GetProperty("inbox");
        Assert.Equal(1, inbox.GetProperty("notifications").GetInt32());
        Assert.Equal(1, inbox.GetProperty("unreadable_lines").GetInt32());
        Assert.Equal("ops", inbox.GetProperty("last_receiver").GetString());
        Assert.Contains(document.RootElement.GetProperty("messages").EnumerateArray(), m =>
            m.GetProperty("level").GetString() == "warn" && m.GetProperty("text").GetString()!.Contains($"1 unreadable line(s) in {InboxFile}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Test_alert_with_a_truncated_inbox_line_reports_it_instead_of_crashing()
    {
        SeedInbox(Good + "\n" + """{"receiver":"ops","payl""");
        using var alertmanager = new FakeAlertmanager(answers: true);
        // The route tree test-alert asks amtool about is the rendered Alertmanager config, as up leaves it.
        await new LocalStack(new StackLocation(RepositoryRoot.Find(), _paths, new PortPlan(alertmanager.PortOffset))).RenderConfigsAsync(CancellationToken.None);

        var (exit, output, error) = await VerbInvoker.InvokeSplitAsync(["test-alert", "--json", "--timeout", "1", "--state-dir", _paths.Root,
            "--port-offset", alertmanager.PortOffset.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.Equal(1, exit); // posted, but no inbox runs to deliver it to
        Assert.Equal("", error);
        using var document = JsonDocument.Parse(output);
        var fail = Assert.Single(document.RootElement.GetProperty("messages").EnumerateArray(), m => m.GetProperty("level").GetString() == "fail");
        Assert.StartsWith("not delivered to ", fail.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains($"1 unreadable line(s) in {InboxFile}", fail.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    private void SeedInbox(string text)
    {
        Directory.CreateDirectory(InboxDir);
        File.WriteAllText(InboxFile, text);
    }
}
