using System.Data.Common;
using Dapper;
using TheBot.Api.Metrics;

namespace TheBot.Api.Chat;

public sealed record ChatMessage(long Id, string Room, string ChatType, long SenderId, string Text, DateTime SentAt);

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
