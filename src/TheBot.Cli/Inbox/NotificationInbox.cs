using System.Text;
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
                await AppendLineAsync(file, line);
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

    /// <summary>The notifications received so far (oldest first); an unreadable line is skipped (<see cref="ReadAll"/> counts them).</summary>
    public static IReadOnlyList<JsonNode> Read(string dir) => ReadAll(dir).Notifications;

    /// <summary>
    /// The notifications received so far (oldest first) and how many lines were skipped: a line that is no JSON object
    /// (an inbox killed or out of disk space in the middle of an append, or a line read while it is being written)
    /// is counted, never thrown, so the verbs that read the inbox go on.
    /// </summary>
    public static InboxContents ReadAll(string dir)
    {
        var file = Path.Combine(dir, FileName);
        if (!File.Exists(file))
        {
            return new InboxContents(file, [], 0);
        }

        var notifications = new List<JsonObject>();
        var unreadable = 0;
        foreach (var line in File.ReadAllLines(file).Where(l => l.Length > 0))
        {
            try
            {
                if (JsonNode.Parse(line) is JsonObject notification)
                {
                    notifications.Add(notification);
                    continue;
                }
            }
            catch (JsonException)
            {
            }

            unreadable++;
        }

        return new InboxContents(file, notifications, unreadable);
    }

    /// <summary>
    /// Appends <paramref name="line"/> and its newline in one unbuffered write. A line an earlier append left cut short
    /// (the inbox killed mid-write, a full disk) has no newline: this one then starts on a fresh line, so only the
    /// broken line is unreadable, not the good one glued to it.
    /// </summary>
    internal static async Task AppendLineAsync(string file, string line)
    {
        await using var stream = new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        var fresh = true;
        if (stream.Length > 0)
        {
            stream.Seek(-1, SeekOrigin.End);
            fresh = stream.ReadByte() == '\n';
        }

        stream.Seek(0, SeekOrigin.End);
        await stream.WriteAsync(Encoding.UTF8.GetBytes((fresh ? string.Empty : "\n") + line + "\n"));
    }
}
