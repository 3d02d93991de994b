using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace TheBot.Platform.Tests.Support;

/// <summary>A chat WebSocket client for tests.</summary>
public sealed class ChatClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    public WebSocketState State => _socket.State;

    public static async Task<ChatClient> ConnectAsync(string baseUrl, string room, long userId)
    {
        var client = new ChatClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client._socket.ConnectAsync(new Uri($"{baseUrl.Replace("http://", "ws://", StringComparison.Ordinal)}/ws/chat/{room}?userId={userId}"), timeout.Token);
        var joined = await client.ReceiveAsync();
        return joined.GetProperty("type").GetString() == "joined" ? client : throw new InvalidOperationException($"unexpected first frame {joined}");
    }

    public async Task SendAsync(string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { text })), WebSocketMessageType.Text, true, timeout.Token);
    }

    public async Task<JsonElement> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException($"closed by the server: {result.CloseStatus} {result.CloseStatusDescription}");
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            }
        }
    }

    /// <summary>Sends <paramref name="payload"/> as one text message, as is.</summary>
    public async Task SendRawAsync(string payload)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(payload), WebSocketMessageType.Text, true, timeout.Token);
    }

    /// <summary>Reads (and drops) frames until the server closes; returns its close status and description.</summary>
    public async Task<(WebSocketCloseStatus? Status, string? Description)> ReceiveCloseAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (result.CloseStatus, result.CloseStatusDescription);
            }
        }
    }

    /// <summary>Receives until a frame of <paramref name="type"/> arrives.</summary>
    public async Task<JsonElement> ReceiveAsync(string type)
    {
        while (true)
        {
            var frame = await ReceiveAsync();
            if (frame.GetProperty("type").GetString() == type)
            {
                return frame;
            }
        }
    }

    /// <summary>Drops the connection without a close handshake (what a crashed client or a cut network does).</summary>
    public void Abort() => _socket.Abort();

    public async Task CloseAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
