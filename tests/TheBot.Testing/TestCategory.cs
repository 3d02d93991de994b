namespace TheBot.Testing;

/// <summary>
/// Trait values (<c>[Trait(TestCategory.Name, TestCategory.Stack)]</c>) that sort tests into loops:
/// <c>./thebot test --fast</c> leaves out <see cref="Stack"/>, <see cref="RealServers"/> and <see cref="Publish"/> tests and the detection
/// project, and sets <see cref="FastLoopVariable"/> so that a real server started by an untagged test fails it.
/// </summary>
public static class TestCategory
{
    /// <summary>The trait's name.</summary>
    public const string Name = "Category";

    /// <summary>Starts a whole stack through <c>up</c>'s code (minutes each); not part of the fast loop.</summary>
    public const string Stack = "Stack";

    /// <summary>
    /// Starts a real server process (PostgreSQL, Redis, Prometheus, Alertmanager, an exporter) through a
    /// <see cref="ServerFixture"/>; not part of the fast loop.
    /// </summary>
    public const string RealServers = "RealServers";

    /// <summary>
    /// Publishes an app with Native AOT and runs the native binary (a minute or two, mostly the native compiler); not part
    /// of the fast loop.
    /// </summary>
    public const string Publish = "Publish";

    /// <summary>
    /// Environment variable <c>./thebot test --fast</c> sets to <c>1</c>: <see cref="ServerFixture"/> then refuses to
    /// start, naming the trait the test lacks, so the fast loop cannot silently grow by minutes.
    /// </summary>
    public const string FastLoopVariable = "THEBOT_FAST_LOOP";
}
