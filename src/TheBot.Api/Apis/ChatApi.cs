using Microsoft.AspNetCore.Http.HttpResults;
using TheBot.Api.Chat;
using TheBot.Api.Domain;

namespace TheBot.Api.Apis;

public sealed record PostMessageRequest(long? SenderId, string? Text);

public static class ChatApi
{
    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Chat");
        api.MapPost("/chat/rooms/{room}/messages", PostAsync);
        api.MapGet("/chat/rooms/{room}/messages", HistoryAsync);
        app.MapGet("/ws/chat/{room}", ConnectAsync).WithTags("Chat");
        return app;
    }

    public static async Task<Results<Created<ChatMessage>, ValidationProblem, ProblemHttpResult>> PostAsync(
        string room, PostMessageRequest request, ChatService chat, UserStore users, Microsoft.Extensions.Options.IOptions<ChatOptions> options, CancellationToken ct)
    {
        var validation = RoomValidation(room)
            .Id(request.SenderId, "senderId")
            .Text(request.Text, "text", options.Value.MaxMessageLength, multiline: true);
        if (!validation.IsValid)
        {
            return validation.Result;
        }

        if (await users.GetAsync(request.SenderId!.Value, ct) is null)
        {
            return ApiResults.NotFound("User", request.SenderId.Value);
        }

        var message = await chat.SendAsync(room, request.SenderId.Value, request.Text!, ct);
        return TypedResults.Created($"/api/chat/rooms/{room}/messages", message);
    }

    public static async Task<Results<Ok<IReadOnlyList<ChatMessage>>, ValidationProblem>> HistoryAsync(string room, ChatService chat, CancellationToken ct, int limit = 50)
    {
        var validation = RoomValidation(room).Require(limit is >= 1 and <= 200, "limit", "limit must be 1 to 200.");
        return validation.IsValid ? TypedResults.Ok(await chat.HistoryAsync(room, limit, ct)) : validation.Result;
    }

    /// <summary><c>GET /ws/chat/{room}?userId=N</c> with a WebSocket upgrade.</summary>
    public static async Task<Results<EmptyHttpResult, ValidationProblem, ProblemHttpResult>> ConnectAsync(
        string room, long? userId, HttpContext context, UserStore users, ChatSocket socket, IHostApplicationLifetime lifetime)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, "WebSocket required", "Connect with a WebSocket upgrade request.");
        }

        var validation = RoomValidation(room).Id(userId, "userId");
        if (!validation.IsValid)
        {
            return validation.Result;
        }

        if (await users.GetAsync(userId!.Value, context.RequestAborted) is null)
        {
            return ApiResults.NotFound("User", userId.Value);
        }

        using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        await socket.RunAsync(webSocket, room, userId.Value, stopping.Token);
        return TypedResults.Empty;
    }

    private static Validation RoomValidation(string room) =>
        new Validation().Require(ChatRooms.IsValidName(room), "room", "room must be 1 to 64 lower-case letters, digits or dashes (dm-{a}-{b} for a private chat).");
}
