using System.Text.Json.Nodes;

namespace TheBot.Cli.Inbox;

/// <summary>What <see cref="NotificationInbox.ReadAll"/> found in <c>notifications.jsonl</c>.</summary>
/// <param name="File">The inbox file.</param>
/// <param name="Notifications">The notifications, one JSON object each, oldest first.</param>
/// <param name="UnreadableLines">Lines skipped because they are no JSON object (cut short by a killed or full-disk write, or still being written).</param>
internal sealed record InboxContents(string File, IReadOnlyList<JsonObject> Notifications, int UnreadableLines)
{
    /// <summary>What the verbs print when lines were skipped; null when every line was read.</summary>
    public string? UnreadableNote => UnreadableLines == 0
        ? null
        : $"{UnreadableLines} unreadable line(s) in {File} skipped (not a JSON object: cut short by an interrupted write, or still being written)";
}
