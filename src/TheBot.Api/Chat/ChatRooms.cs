using System.Text.RegularExpressions;
using TheBot.Api.Metrics;

namespace TheBot.Api.Chat;

/// <summary>
/// Rooms are named by the client: <c>dm-{a}-{b}</c> is a private (one-to-one) chat, any other name is a group chat
/// (a course or study group). Names are lower-case letters, digits and dashes, at most 64 characters.
/// </summary>
public static partial class ChatRooms
{
    public static bool IsValidName(string? room) => room is not null && NamePattern().IsMatch(room);

    public static ChatType TypeOf(string room) => room.StartsWith("dm-", StringComparison.Ordinal) ? ChatType.Private : ChatType.Group;

    public static string Label(ChatType type) => type == ChatType.Private ? "private" : "group";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
