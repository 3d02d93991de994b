using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TheBot.Api.Data;
using TheBot.Monitoring.Workload;

namespace TheBot.Api.Chat;

/// <summary>
/// One chat WebSocket: counted in <c>thebot_websocket_connections{type="chat"}</c> for exactly its lifetime (the lease
/// is disposed however the loop ends: close handshake, abort, reset, server shutdown). Each text message (plain text or
/// <c>{"text": "..."}</c>) is stored and broadcast to the room; errors are sent back as <c>{"type":"error"}</c> frames.
/// </summary>
public sealed partial class ChatSocket(ChatService chat, ChatHub hub, WorkloadMetrics metrics, IOptions<ChatOptions> options, ILogger<ChatSocket> logger)
{
    public async Task RunAsync(WebSocket socket, string room, long userId, CancellationToken stopping)
    {
        using var lease = metrics.TrackWebSocket("chat");
        using var member = hub.Join(room, socket);
        LogOpened(logger, room, userId);
        try
        {
            await member.SendAsync(new { type = "joined", room, chatType = ChatRooms.Label(ChatRooms.TypeOf(room)), userId });
            while (true)
            {
                var text = await ReceiveTextAsync(socket, stopping);
                if (text is null)
                {
                    break;
                }

                await HandleAsync(member, room, userId, text, stopping);
            }

            if (socket.State is WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or IOException)
        {
            LogAborted(logger, room, userId, exception.Message);
        }
        finally
        {
            LogClosed(logger, room, userId);
        }
    }

    private async Task HandleAsync(ChatHub.Member member, string room, long userId, string text, CancellationToken stopping)
    {
        var body = ExtractText(text);
        if (string.IsNullOrWhiteSpace(body) || body.Length > options.Value.MaxMessageLength)
        {
            await member.SendAsync(new { type = "error", error = $"text must be 1 to {options.Value.MaxMessageLength} characters" });
            return;
        }

        if (Apis.Validation.FindUnprintable(body, multiline: true) is { } position)
        {
            await member.SendAsync(new { type = "error", error = $"text must not contain control characters other than line breaks and tabs (position {position})" });
            return;
        }

        try
        {
            await chat.SendAsync(room, userId, body, stopping);
        }
        catch (Exception exception) when (DatabaseExceptionHandler.Find(exception) is not null)
        {
            LogStoreFailed(logger, room, exception.Message);
            await member.SendAsync(new { type = "error", error = "database unavailable; message not sent" });
        }
    }

    private static string? ExtractText(string frame)
    {
        if (!frame.TrimStart().StartsWith('{'))
        {
            return frame;
        }

        try
        {
            using var json = JsonDocument.Parse(frame);
            return json.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The next text message, or null when the peer closed; too large a message closes the socket.</summary>
    private async Task<string?> ReceiveTextAsync(WebSocket socket, CancellationToken stopping)
    {
        var limit = options.Value.MaxFrameBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), stopping);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                message.Write(buffer, 0, result.Count);
                if (message.Length > limit)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, $"messages are limited to {limit} bytes", CancellationToken.None);
                    return null;
                }

                if (result.EndOfMessage)
                {
                    return result.MessageType == WebSocketMessageType.Text ? Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length) : string.Empty;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [LoggerMessage(LogLevel.Information, "chat socket opened in {Room} by user {UserId}")]
    private static partial void LogOpened(ILogger logger, string room, long userId);

    [LoggerMessage(LogLevel.Information, "chat socket in {Room} of user {UserId} ended abruptly: {Reason}")]
    private static partial void LogAborted(ILogger logger, string room, long userId, string reason);

    [LoggerMessage(LogLevel.Information, "chat socket closed in {Room} by user {UserId}")]
    private static partial void LogClosed(ILogger logger, string room, long userId);

    [LoggerMessage(LogLevel.Warning, "chat message in {Room} not stored: {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, string room, string reason);
}
