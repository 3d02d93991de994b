using System.Diagnostics;
using System.Globalization;

namespace TheBot.Cli.Load;

/// <summary>
/// Open-loop load: arrival i is due at i / rps seconds after the start and is started then, however many earlier
/// requests are still waiting for their answer (a closed loop would slow down with the platform and hide its
/// latency). Arrivals that find <see cref="LoadSettings.MaxInFlight"/> requests open are counted as skipped, so a
/// stalled platform cannot make the generator open unbounded connections. Runs for the duration, then waits at most
/// <see cref="LoadSettings.DrainTimeout"/> for what is still open.
/// </summary>
internal sealed class LoadGenerator(LoadSettings settings, TextWriter output, bool interactive)
{
    private readonly LoadStats _stats = new();
    private long _inFlight;
    private long _abandoned;

    /// <summary>Sets up the platform data the traffic needs, then sends the traffic for the settings' duration.</summary>
    /// <param name="cancellationToken">Stops the run (the schedule and the wait for open requests).</param>
    /// <param name="setUp">Called once the set-up requests are done, just before the first scheduled arrival (a caller
    /// can start a fault then, so the set-up's own requests neither suffer it nor count in it).</param>
    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken, Action? setUp = null)
    {
        using var traffic = new PlatformTraffic(settings);
        var setup = new LoadStats();
        await traffic.SetupAsync(setup.Add, cancellationToken);
        setUp?.Invoke();

        var mix = traffic.Mix;
        var total = mix.Sum(m => m.Weight);
        var random = new Random(settings.Seed);
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var scheduled = settings.ScheduledRequests;
        var watch = Stopwatch.StartNew();
        using var progress = new CancellationTokenSource();
        var progressTask = ProgressAsync(watch, progress.Token);

        long next = 0;
        var scheduleEnd = TimeSpan.Zero;
        try
        {
            while (next < scheduled)
            {
                var due = Math.Min(scheduled, (long)Math.Floor(watch.Elapsed.TotalSeconds * settings.RequestsPerSecond) + 1);
                for (; next < due; next++)
                {
                    var kind = ErrorKindOf(next, settings.ErrorShare, traffic.CanThrow) ?? Pick(mix, total, random);
                    var requestRandom = new Random(random.Next());
                    if (Interlocked.Read(ref _inFlight) >= settings.MaxInFlight)
                    {
                        _stats.Skip();
                        continue;
                    }

                    Interlocked.Increment(ref _inFlight);
                    _ = SendOneAsync(traffic, kind, requestRandom, abandon.Token);
                }

                if (next < scheduled)
                {
                    var wait = TimeSpan.FromSeconds((double)next / settings.RequestsPerSecond) - watch.Elapsed;
                    await Task.Delay(wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1), cancellationToken);
                }
            }

            scheduleEnd = watch.Elapsed;
            var drainUntil = watch.Elapsed + LoadSettings.DrainTimeout;
            while (Interlocked.Read(ref _inFlight) > 0 && watch.Elapsed < drainUntil)
            {
                await Task.Delay(20, cancellationToken);
            }
        }
        finally
        {
            var abandoned = Interlocked.Read(ref _inFlight);
            await abandon.CancelAsync();
            await progress.CancelAsync();
            await progressTask;
            _abandoned = abandoned;
        }

        var elapsed = watch.Elapsed;
        var samples = _stats.Since(0);
        return new LoadResult(settings, samples, setup.Since(0), next - _stats.Skipped, scheduleEnd, _stats.Skipped, elapsed, _abandoned);
    }

    private async Task SendOneAsync(PlatformTraffic traffic, string kind, Random random, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var watch = Stopwatch.StartNew();
        Outcome outcome;
        try
        {
            outcome = await traffic.SendAsync(kind, random, cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException
                                          or System.Net.WebSockets.WebSocketException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                Interlocked.Decrement(ref _inFlight);
                return; // abandoned by the drain timeout: counted there
            }

            outcome = new Outcome(0, -1);
        }

        _stats.Add(new LoadSample(kind, outcome.Status, outcome.Expected, outcome.Milliseconds ?? watch.Elapsed.TotalMilliseconds));
        Interlocked.Decrement(ref _inFlight);
    }

    /// <summary>
    /// The deliberate error arrival <paramref name="arrival"/> (0-based) is, or null when it is ordinary traffic. Errors
    /// are spread evenly, not drawn: an arrival fails when it carries the error count past the next whole number, so every
    /// stretch of the run has the requested share and the total is exact. Every <see cref="LoadSettings.ExceptionEvery"/>-th
    /// error is an unhandled exception (when the drill's token is known), the others failed payments.
    /// </summary>
    public static string? ErrorKindOf(long arrival, double errorShare, bool canThrow)
    {
        var errors = (long)Math.Floor((arrival + 1) * errorShare);
        if (errors == (long)Math.Floor(arrival * errorShare))
        {
            return null;
        }

        return canThrow && errors % LoadSettings.ExceptionEvery == 0 ? PlatformTraffic.ExceptionKind : PlatformTraffic.ErrorKind;
    }

    private static string Pick(IReadOnlyList<(string Kind, int Weight)> mix, int total, Random random)
    {
        var roll = random.Next(total);
        foreach (var (kind, weight) in mix)
        {
            if ((roll -= weight) < 0)
            {
                return kind;
            }
        }

        return mix[^1].Kind;
    }

    /// <summary>
    /// One status line a second on a terminal (rewritten in place, led by a progress bar), one plain line every five
    /// seconds otherwise: elapsed, rate finished over the last interval, its p95, errors (5xx or no answer) so far,
    /// requests open.
    /// </summary>
    private async Task ProgressAsync(Stopwatch watch, CancellationToken cancellationToken)
    {
        var interval = interactive ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);
        var seen = 0;
        var errors = 0;
        var last = TimeSpan.Zero;
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var recent = _stats.Since(seen);
                seen += recent.Count;
                errors += recent.Count(s => LoadStats.IsError(s.Status));
                var now = watch.Elapsed;
                var rate = recent.Count / (now - last).TotalSeconds;
                last = now;
                var p95 = LoadStats.Percentile([.. recent.Select(s => s.Milliseconds)], 95);
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{now.TotalSeconds,4:F0}s/{settings.Duration.TotalSeconds:F0}s  rate {rate,6:F1}/s  p95 {(double.IsNaN(p95) ? "   -" : p95.ToString("F0", CultureInfo.InvariantCulture)),4} ms  errors {errors} ({LoadReport.Percent(errors, seen)})  open {Interlocked.Read(ref _inFlight)}  done {seen}");
                if (interactive)
                {
                    output.Write("\r" + LoadReport.Bar(now / settings.Duration) + "  " + line + "\u001b[K");
                }
                else
                {
                    output.WriteLine(line);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        if (interactive)
        {
            output.WriteLine();
        }
    }
}
