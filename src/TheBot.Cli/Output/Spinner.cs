using System.Diagnostics;
using System.Globalization;

namespace TheBot.Cli.Output;

/// <summary>
/// A long step of <c>up</c> (a build, a wait on a readiness probe). On a terminal it animates a spinner with the
/// elapsed seconds until <see cref="DoneAsync"/> replaces it with the outcome; anywhere else (a log, a pipe, a test's
/// writer) nothing is drawn and only the outcome line is written, so logs hold plain lines.
/// </summary>
internal sealed class Spinner : IAsyncDisposable
{
    private static readonly string[] Frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    private static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _output;
    private readonly string _text;
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _animation;

    private readonly bool _animate;

    private Spinner(TextWriter output, string text, bool animate)
    {
        _output = output;
        _text = text;
        _animate = animate;
        _animation = animate ? AnimateAsync() : Task.CompletedTask;
    }

    /// <summary>Time since the step started.</summary>
    public TimeSpan Elapsed => _watch.Elapsed;

    /// <summary>True when <paramref name="output"/> is the console's writer and the console is a terminal.</summary>
    public static bool IsTerminal(TextWriter output) => Output.TerminalText.IsTerminal(output);

    /// <summary>Starts a step; the spinner is drawn only on a terminal.</summary>
    public static Spinner Start(TextWriter output, string text) => Start(output, text, IsTerminal(output));

    /// <summary>Starts a step, animated or not whatever <paramref name="output"/> is.</summary>
    public static Spinner Start(TextWriter output, string text, bool animate) => new(output, text, animate);

    /// <summary>Stops the animation and writes <paramref name="line"/> in its place.</summary>
    public async Task DoneAsync(string line)
    {
        await StopAsync();
        _output.WriteLine(_animate ? "\r" + line + "\u001b[K" : line);
    }

    /// <summary>
    /// Stops the animation and erases its line (on a terminal), writing nothing else: for a caller whose outcome line
    /// goes through a <see cref="Output.VerbReport"/>.
    /// </summary>
    public async Task ClearAsync()
    {
        await StopAsync();
        if (_animate)
        {
            _output.Write("\r\u001b[K");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _animation;
    }

    private async Task AnimateAsync()
    {
        for (var frame = 0; !_stop.IsCancellationRequested; frame++)
        {
            var seconds = _watch.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
            _output.Write($"\r{Frames[frame % Frames.Length]} {_text} ({seconds} s)\u001b[K");
            try
            {
                await Task.Delay(FrameInterval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
