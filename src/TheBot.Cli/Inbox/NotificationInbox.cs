using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TheBot.Cli.Inbox;

/// <summary>
/// The local notification inbox: in local mode every Alertmanager receiver posts its webhook here
/// (<c>POST /&lt;receiver&gt;</c>), and each notification is appended, one JSON object a line, to
/// <c>notifications.jsonl</c>, which <c>up</c>, <c>status</c> and <c>test-alert</c> read. The hidden <c>inbox</c>
/// verb runs the server; the reader is here so those verbs do not call that verb.
/// </summary>
internal static class NotificationInbox
{
    public const string FileName = "notifications.jsonl";

    /// <summary>Serves the inbox on loopback <paramref name="port"/> until cancelled, appending to <paramref name="dir"/>.</summary>
    public static async Task<int> RunAsync(int port, string dir, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, FileName);
        var gate = new SemaphoreSlim(1, 1);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet("/health", () => TypedResults.Ok("ok"));
        app.MapGet("/notifications", () => TypedResults.Text(File.Exists(file) ? File.ReadAllText(file) : string.Empty, "application/x-ndjson"));
        app.MapPost("/{receiver}", async (string receiver, HttpRequest request) =>
        {
            JsonNode? payload;
            try
            {
                payload = await JsonNode.ParseAsync(request.Body);
            }
            catch (JsonException exception)
            {
                return Results.Problem(statusCode: 400, title: "Invalid JSON", detail: exception.Message);
            }

            var line = new JsonObject
            {
                ["receiver"] = receiver,
                ["received_at"] = DateTimeOffset.UtcNow,
                ["payload"] = payload,
            }.ToJsonString();
            await gate.WaitAsync();
            try
            {
                await File.AppendAllTextAsync(file, line + "\n");
            }
            finally
            {
                gate.Release();
            }

            return Results.Ok();
        });
        await app.StartAsync(cancellationToken);
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    /// <summary>The notifications received so far (oldest first).</summary>
    public static IReadOnlyList<JsonNode> Read(string dir)
    {
        var file = Path.Combine(dir, FileName);
        return File.Exists(file)
            ? File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!).ToList()
            : [];
    }
}
