using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TheBot.Cli.Load;

/// <summary>
/// The answer to one generated request: what came back, what the traffic mix meant to get, and for a WebSocket
/// session the latency of its exchange (connect to echo), which leaves out the time it then stays connected.
/// </summary>
internal readonly record struct Outcome(int Status, int Expected, double? Milliseconds = null);

/// <summary>
/// The platform as a user population sees it: a handful of teachers and students, courses with an open, an overdue
/// and a closed assignment, set up at the start of a run; then one method per kind of request the mix sends. Each
/// method picks its parameters from the <see cref="Random"/> it is given, so a run is repeatable from its seed.
/// </summary>
internal sealed class PlatformTraffic : IDisposable
{
    private const int Students = 24;
    private const int Teachers = 3;
    private const int Courses = 4;
    private const int MaxAssignmentLength = 400;

    private static readonly string[] Methods = ["card", "bank_transfer", "wallet"];
    private static readonly string[] Words = ["proof", "lemma", "graph", "vector", "essay", "draft", "answer", "chapter", "method", "result", "sample", "theory"];

    private readonly HttpClient _backend;
    private readonly HttpClient? _frontend;
    private readonly Uri _backendUrl;
    private readonly string? _adminToken;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly List<long> _students = [];
    private readonly List<long> _teachers = [];
    private readonly List<long> _courses = [];
    private readonly List<(long Open, long Overdue, long Closed)> _assignments = [];
    private readonly ConcurrentQueue<long> _unread = new();
    private long _signups;

    public PlatformTraffic(LoadSettings settings)
    {
        _backendUrl = settings.BackendUrl;
        _adminToken = settings.AdminToken;
        _backend = Client(settings.BackendUrl, settings.MaxInFlight);
        _frontend = settings.FrontendUrl is { } frontend ? Client(frontend, settings.MaxInFlight) : null;
    }

    /// <summary>Every kind the mix sends, with its weight (share of the non-error traffic). Frontend kinds need the frontend.</summary>
    public IReadOnlyList<(string Kind, int Weight)> Mix =>
    [
        ("user-hit", 12), ("user-miss", 4), ("user-signup", 4),
        ("course-list", 7), ("course-get", 7), ("assignment-list", 5),
        ("submit-accepted", 6), ("submit-late", 3), ("submit-rejected", 3),
        ("pay-ok", 5), ("pay-declined", 2),
        ("chat-post", 8), ("chat-history", 6), ("chat-ws", 3),
        ("job-enqueue", 3),
        .. _frontend is null ? Array.Empty<(string, int)>() : [("web-page", 4), ("web-api", 3), ("web-miss", 1)],
    ];

    /// <summary>The kind used for deliberate server-side errors: a payment the simulated provider must fail (HTTP 502).</summary>
    public const string ErrorKind = "pay-failed";

    /// <summary>
    /// The kind for one deliberate error in <see cref="LoadSettings.ExceptionEvery"/>: <c>POST /api/drills/exception</c>
    /// with the admin token, an unhandled exception in the backend (HTTP 500, <c>exception_type="DrillException"</c>).
    /// </summary>
    public const string ExceptionKind = "exception";

    /// <summary>Whether <see cref="ExceptionKind"/> can be sent: the drill takes the backend's admin token.</summary>
    public bool CanThrow => _adminToken is not null;

    /// <summary>
    /// Creates the population. Every request is reported to <paramref name="record"/> as kind <c>setup</c>; throws
    /// <see cref="HttpRequestException"/> naming the step when the platform does not answer as documented.
    /// </summary>
    public async Task SetupAsync(Action<LoadSample> record, CancellationToken cancellationToken)
    {
        async Task<JsonNode> Create(string path, object body, string what)
        {
            var watch = Stopwatch.StartNew();
            using var response = await _backend.PostAsJsonAsync(path, body, cancellationToken);
            record(new LoadSample("setup", (int)response.StatusCode, path.EndsWith("/close", StringComparison.Ordinal) ? 200 : 201, watch.Elapsed.TotalMilliseconds));
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.IsSuccessStatusCode && JsonNode.Parse(text) is { } node
                ? node
                : throw new HttpRequestException($"setting up {what}: POST {path} answered {(int)response.StatusCode} {Shorten(text)}");
        }

        for (var i = 0; i < Teachers; i++)
        {
            _teachers.Add(Id(await Create("/api/users", new { name = $"Load Teacher {i}", email = $"load-{_run}-t{i}@example.org", role = "teacher" }, "teachers")));
        }

        for (var i = 0; i < Students; i++)
        {
            _students.Add(Id(await Create("/api/users", new { name = $"Load Student {i}", email = $"load-{_run}-s{i}@example.org", role = "student" }, "students")));
        }

        for (var i = 0; i < Courses; i++)
        {
            var course = Id(await Create("/api/courses", new { title = $"Load course {i} ({_run})", description = "created by ./thebot load", teacherId = _teachers[i % Teachers] }, "courses"));
            _courses.Add(course);
            var open = Id(await Create($"/api/courses/{course}/assignments", new { title = "Open assignment", dueAt = DateTimeOffset.UtcNow.AddDays(14), maxLength = MaxAssignmentLength }, "assignments"));
            var overdue = Id(await Create($"/api/courses/{course}/assignments", new { title = "Overdue assignment", dueAt = DateTimeOffset.UtcNow.AddDays(-1), maxLength = MaxAssignmentLength }, "assignments"));
            var closed = Id(await Create($"/api/courses/{course}/assignments", new { title = "Closed assignment", dueAt = DateTimeOffset.UtcNow.AddDays(14), maxLength = MaxAssignmentLength }, "assignments"));
            await Create($"/api/assignments/{closed}/close", new { }, "a closed assignment");
            _assignments.Add((open, overdue, closed));
        }
    }

    /// <summary>Sends one request of <paramref name="kind"/>; returns its status (101 for a WebSocket session, 0 for no answer) and the status the mix expects.</summary>
    public async Task<Outcome> SendAsync(string kind, Random random, CancellationToken cancellationToken)
    {
        var student = _students[random.Next(_students.Count)];
        var course = random.Next(_courses.Count);
        switch (kind)
        {
            case "user-hit":
                return await GetAsync(_backend, $"/api/users/{Pick(random, _students, _teachers)}", 200, cancellationToken);
            case "user-miss":
                // A user created during the run and never read yet is not in the cache; with none left, an id that does not exist.
                return _unread.TryDequeue(out var fresh)
                    ? await GetAsync(_backend, $"/api/users/{fresh}", 200, cancellationToken)
                    : await GetAsync(_backend, $"/api/users/{long.MaxValue - random.Next(1_000_000)}", 404, cancellationToken);
            case "user-signup":
            {
                var n = Interlocked.Increment(ref _signups);
                var (status, body) = await PostAsync(_backend, "/api/users", new { name = $"Signup {n}", email = $"load-{_run}-u{n}@example.org" }, cancellationToken);
                if (status == 201 && body?["id"] is { } id)
                {
                    _unread.Enqueue(id.GetValue<long>());
                }

                return new Outcome(status, 201);
            }

            case "course-list":
                return await GetAsync(_backend, "/api/courses", 200, cancellationToken);
            case "course-get":
                return await GetAsync(_backend, $"/api/courses/{_courses[course]}", 200, cancellationToken);
            case "assignment-list":
                return await GetAsync(_backend, $"/api/courses/{_courses[course]}/assignments", 200, cancellationToken);
            case "submit-accepted":
                return await SubmitAsync(_assignments[course].Open, student, Essay(random, 8), 201, cancellationToken);
            case "submit-late":
                return await SubmitAsync(_assignments[course].Overdue, student, Essay(random, 6), 201, cancellationToken);
            case "submit-rejected":
                // The three reasons the platform rejects: empty, longer than allowed, assignment closed.
                return random.Next(3) switch
                {
                    0 => await SubmitAsync(_assignments[course].Open, student, string.Empty, 422, cancellationToken),
                    1 => await SubmitAsync(_assignments[course].Open, student, new string('x', MaxAssignmentLength + 1), 422, cancellationToken),
                    _ => await SubmitAsync(_assignments[course].Closed, student, Essay(random, 5), 422, cancellationToken),
                };
            case "pay-ok":
                return await PayAsync(student, random, "sim_success", 201, cancellationToken);
            case "pay-declined":
                return await PayAsync(student, random, "sim_decline", 402, cancellationToken);
            case ErrorKind:
                return await PayAsync(student, random, "sim_fail", 502, cancellationToken);
            case ExceptionKind:
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/drills/exception");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _adminToken);
                using var response = await _backend.SendAsync(request, cancellationToken);
                return new Outcome((int)response.StatusCode, 500);
            }

            case "chat-post":
            {
                var (status, _) = await PostAsync(_backend, $"/api/chat/rooms/{Room(random, student)}/messages", new { senderId = student, text = Essay(random, 4) }, cancellationToken);
                return new Outcome(status, 201);
            }

            case "chat-history":
                return await GetAsync(_backend, $"/api/chat/rooms/{Room(random, student)}/messages?limit=20", 200, cancellationToken);
            case "chat-ws":
                return await ChatSessionAsync(Room(random, student), student, Essay(random, 4), TimeSpan.FromMilliseconds(200 + random.Next(1300)), cancellationToken);
            case "job-enqueue":
            {
                var (status, _) = await PostAsync(_backend, "/api/jobs/notifications", new { userId = student, text = "Your submission was graded." }, cancellationToken);
                return new Outcome(status, 202);
            }

            case "web-page":
                return await GetAsync(_frontend!, "/", 200, cancellationToken);
            case "web-api":
                return await GetAsync(_frontend!, $"/api/courses/{_courses[course]}", 200, cancellationToken);
            case "web-miss":
                // A course that does not exist, through the proxy: the frontend's 4xx, labelled with the backend's route.
                return await GetAsync(_frontend!, $"/api/courses/{long.MaxValue - random.Next(1_000_000)}", 404, cancellationToken);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown request kind");
        }
    }

    public void Dispose()
    {
        _backend.Dispose();
        _frontend?.Dispose();
    }

    /// <summary>
    /// A real chat WebSocket: connect, wait for <c>joined</c>, send a message, wait for its broadcast back, stay a
    /// little (so the connection gauge sees overlapping sockets), close with the handshake. 101 when all of it worked.
    /// </summary>
    private async Task<Outcome> ChatSessionAsync(string room, long user, string text, TimeSpan stay, CancellationToken cancellationToken)
    {
        var scheme = _backendUrl.Scheme == "https" ? "wss" : "ws";
        var uri = new Uri($"{scheme}://{_backendUrl.Authority}/ws/chat/{room}?userId={user}");
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(LoadSettings.RequestTimeout + stay);
        var watch = Stopwatch.StartNew();
        try
        {
            await socket.ConnectAsync(uri, timeout.Token);
            await ReceiveUntilAsync(socket, frame => frame["type"]?.GetValue<string>() == "joined", timeout.Token);
            await socket.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { text })), WebSocketMessageType.Text, true, timeout.Token);
            await ReceiveUntilAsync(socket, frame => frame["type"]?.GetValue<string>() == "message" && frame["message"]?["text"]?.GetValue<string>() == text, timeout.Token);
            var exchange = watch.Elapsed.TotalMilliseconds;
            await Task.Delay(stay, timeout.Token);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            return new Outcome(101, 101, exchange);
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or JsonException or InvalidOperationException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new Outcome(socket.HttpStatusCode == 0 || (int)socket.HttpStatusCode == 101 ? 0 : (int)socket.HttpStatusCode, 101);
        }
    }

    private static async Task ReceiveUntilAsync(ClientWebSocket socket, Func<JsonNode, bool> wanted, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            using var message = new MemoryStream();
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new WebSocketException($"the server closed the socket: {socket.CloseStatusDescription}");
                }

                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            var frame = JsonNode.Parse(message.ToArray());
            if (frame?["type"]?.GetValue<string>() == "error")
            {
                throw new InvalidOperationException($"chat error frame: {frame["error"]}");
            }

            if (frame is not null && wanted(frame))
            {
                return;
            }
        }
    }

    private async Task<Outcome> SubmitAsync(long assignment, long student, string content, int expected, CancellationToken cancellationToken)
    {
        var (status, _) = await PostAsync(_backend, $"/api/assignments/{assignment}/submissions", new { studentId = student, content }, cancellationToken);
        return new Outcome(status, expected);
    }

    private async Task<Outcome> PayAsync(long user, Random random, string token, int expected, CancellationToken cancellationToken)
    {
        var (status, _) = await PostAsync(_backend, "/api/payments",
            new { userId = user, amountCents = 500 + (random.Next(40) * 250), currency = "EUR", method = Methods[random.Next(Methods.Length)], token }, cancellationToken);
        return new Outcome(status, expected);
    }

    private static async Task<Outcome> GetAsync(HttpClient client, string path, int expected, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseContentRead, cancellationToken);
        return new Outcome((int)response.StatusCode, expected);
    }

    private static async Task<(int Status, JsonNode? Body)> PostAsync(HttpClient client, string path, object body, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsJsonAsync(path, body, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? json = null;
        if (response.IsSuccessStatusCode && text.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
            }
        }

        return ((int)response.StatusCode, json);
    }

    /// <summary>A group room per course and a general one, or a private room between two students (dm-{a}-{b}).</summary>
    private string Room(Random random, long student)
    {
        switch (random.Next(3))
        {
            case 0:
                return "load-general";
            case 1:
                return $"course-{_courses[random.Next(_courses.Count)]}";
            default:
                var other = _students[random.Next(_students.Count)];
                return $"dm-{Math.Min(student, other)}-{Math.Max(student, other)}";
        }
    }

    private static long Pick(Random random, List<long> first, List<long> second)
    {
        var i = random.Next(first.Count + second.Count);
        return i < first.Count ? first[i] : second[i - first.Count];
    }

    private static string Essay(Random random, int words) =>
        string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]));

    private static long Id(JsonNode node) => node["id"]?.GetValue<long>() ?? throw new HttpRequestException($"the answer has no id: {Shorten(node.ToJsonString())}");

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private static HttpClient Client(Uri baseUrl, int connections) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(5), UseProxy = false })
        {
            BaseAddress = baseUrl,
            Timeout = LoadSettings.RequestTimeout,
        };
}
