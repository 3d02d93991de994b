using System.Collections.Concurrent;
using System.Data.Common;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using TheBot.Api.Metrics;

namespace TheBot.Api.Chat;

public sealed record ChatMessage(long Id, string Room, string ChatType, long SenderId, string Text, DateTime SentAt);

/// <summary>Chat settings (section <c>Chat</c>).</summary>
public sealed class ChatOptions
{
    public const string SectionName = "Chat";

    /// <summary>Longest message text, in characters.</summary>
    public int MaxMessageLength { get; set; } = 2000;

    /// <summary>Largest WebSocket frame sequence accepted for one message, in bytes.</summary>
    public int MaxFrameBytes { get; set; } = 16 * 1024;
}

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

/// <summary>Stores messages, counts each one (<c>thebot_messages_sent_total</c>) and delivers it to the room's sockets.</summary>
public sealed class ChatService(DbDataSource db, ChatHub hub, BusinessMetrics metrics)
{
    private const string Columns = "id AS Id, room AS Room, chat_type AS ChatType, sender_id AS SenderId, body AS Text, sent_at AS SentAt";

    public async Task<ChatMessage> SendAsync(string room, long senderId, string text, CancellationToken cancellationToken)
    {
        var type = ChatRooms.TypeOf(room);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var message = await connection.QuerySingleAsync<ChatMessage>(new CommandDefinition(
            $"INSERT INTO chat_messages (room, chat_type, sender_id, body) VALUES (@room, @type, @senderId, @text) RETURNING {Columns}",
            new { room, type = ChatRooms.Label(type), senderId, text }, cancellationToken: cancellationToken));
        metrics.MessageSent(type);
        await hub.BroadcastAsync(room, new { type = "message", message });
        return message;
    }

    public async Task<IReadOnlyList<ChatMessage>> HistoryAsync(string room, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<ChatMessage>(new CommandDefinition(
            $"SELECT {Columns} FROM chat_messages WHERE room = @room ORDER BY id DESC LIMIT @limit",
            new { room, limit }, cancellationToken: cancellationToken))];
    }
}

/// <summary>The open chat sockets by room; sends to one socket are serialized, a dead socket is skipped.</summary>
public sealed class ChatHub
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Member>> _rooms = new(StringComparer.Ordinal);

    public int Count(string room) => _rooms.TryGetValue(room, out var members) ? members.Count : 0;

    public Member Join(string room, WebSocket socket)
    {
        var member = new Member(this, room, socket);
        _rooms.GetOrAdd(room, _ => new ConcurrentDictionary<Guid, Member>())[member.Id] = member;
        return member;
    }

    public async Task BroadcastAsync(string room, object payload)
    {
        if (!_rooms.TryGetValue(room, out var members) || members.IsEmpty)
        {
            return;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(payload, JsonSerializerOptions.Web);
        await Task.WhenAll(members.Values.Select(m => m.SendAsync(bytes)));
    }

    private void Leave(Member member)
    {
        if (_rooms.TryGetValue(member.Room, out var members))
        {
            members.TryRemove(member.Id, out _);
        }
    }

    public sealed class Member(ChatHub hub, string room, WebSocket socket) : IDisposable
    {
        private readonly SemaphoreSlim _sending = new(1, 1);

        public Guid Id { get; } = Guid.NewGuid();

        public string Room => room;

        public Task SendAsync(object payload) => SendAsync(JsonSerializer.SerializeToUtf8Bytes(payload, JsonSerializerOptions.Web));

        public async Task SendAsync(byte[] bytes)
        {
            if (socket.State != WebSocketState.Open)
            {
                return;
            }

            await _sending.WaitAsync();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The receive loop of that socket sees the failure too and ends it.
            }
            finally
            {
                _sending.Release();
            }
        }

        public void Dispose() => hub.Leave(this);
    }
}
