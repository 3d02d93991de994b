using System.Text.RegularExpressions;
using TheBot.Stack;
using TheBot.Testing;
using Xunit;

namespace TheBot.Stack.Tests;

[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class PostgresTests
{
    [Fact]
    public async Task Starts_ready_with_pg_stat_statements_and_stops_its_whole_tree()
    {
        var pg = await PostgresServer.StartNewAsync();
        IReadOnlyList<ProcessIdentity> tree = [];
        IReadOnlyList<ProcessIdentity> stopped = [];
        try
        {
            tree = ProcessTree.Snapshot(pg.Process!.Value);
            Assert.True(tree.Count >= 4, $"postmaster and its children expected, got {tree.Count}");
            Assert.Contains("postgres", ProcessTree.CommandLine(pg.Process.Value.Pid), StringComparison.Ordinal);
            Assert.Contains("Uid:\t101", await File.ReadAllTextAsync($"/proc/{pg.Process.Value.Pid}/status"), StringComparison.Ordinal);
            Assert.Equal("t", await pg.QueryAsync("SELECT count(*) >= 0 FROM pg_stat_statements"));
            Assert.Equal("127.0.0.1", await pg.QueryAsync("SHOW listen_addresses"));
            Assert.Equal([$"127.0.0.1:{pg.Port}"], Processes.ListeningAddresses(tree));

            var other = await pg.CreateDatabaseAsync("second_db");
            Assert.Contains("Database=second_db", other, StringComparison.Ordinal);
            Assert.Equal("pg_stat_statements", await pg.QueryAsync("SELECT extname FROM pg_extension WHERE extname = 'pg_stat_statements'", "second_db"));
        }
        finally
        {
            stopped = await pg.StopAsync();
            await pg.DisposeAsync();
            Assert.False(Directory.Exists(pg.Paths.Root));
            await Processes.AssertAllGoneAsync(stopped);
        }

        await Processes.AssertAllGoneAsync(tree);
        Assert.True(stopped.Count >= 4, $"the stop must have covered the postmaster and its children, got {stopped.Count}");
    }

    [Fact]
    public async Task Keeps_its_data_across_stop_start_and_recovers_after_being_killed()
    {
        await using var pg = await PostgresServer.StartNewAsync();
        await pg.QueryAsync("CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept')");

        await Processes.AssertAllGoneAsync(await pg.StopAsync());
        Assert.Null(pg.Process);
        Assert.False(File.Exists(pg.Paths.PidFile(ServiceNames.PostgreSql)));
        await pg.StartAsync();
        Assert.Equal("kept", await pg.QueryAsync("SELECT body FROM notes"));

        // Crash: SIGKILL the postmaster; its children notice and exit by themselves, then a start recovers.
        var crashed = pg.Process!.Value;
        var tree = ProcessTree.Snapshot(crashed);
        ProcessTree.Signal(crashed, ProcessSignal.Kill);
        await Processes.AssertAllGoneAsync(tree);
        await pg.StartAsync();
        Assert.Equal("kept", await pg.QueryAsync("SELECT body FROM notes"));
        Assert.NotEqual(crashed, pg.Process!.Value);
    }
}

[Trait(TestCategory.Name, TestCategory.RealServers)]
[Collection(MachineWideObservations.Name)]
public sealed class PostgresSharedMemoryTests
{
    [Fact]
    public async Task A_killed_server_leaves_no_shared_memory_segment_outside_its_folder()
    {
        var before = SharedMemorySegments();
        await using var pg = await PostgresServer.StartNewAsync();
        Assert.Equal("mmap", await pg.QueryAsync("SHOW dynamic_shared_memory_type"));
        Assert.NotEmpty(Directory.EnumerateFileSystemEntries(Path.Combine(pg.Server.DataDirectory, "pg_dynshmem")));

        var crashed = pg.Process!.Value;
        var tree = ProcessTree.Snapshot(crashed);
        ProcessTree.Signal(crashed, ProcessSignal.Kill);
        await Processes.AssertAllGoneAsync(tree);
        var added = SharedMemorySegments().Except(before).ToList();
        Assert.True(added.Count == 0, $"left in /dev/shm by a killed server: {string.Join(", ", added)}");
    }

    /// <summary>PostgreSQL's POSIX segments (<c>/dev/shm/PostgreSQL.N</c>), what a killed server used to leave behind.</summary>
    private static HashSet<string> SharedMemorySegments() =>
        Directory.Exists("/dev/shm") ? [.. Directory.EnumerateFiles("/dev/shm", "PostgreSQL.*")] : [];
}

[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class RedisTests
{
    [Fact]
    public Task Starts_answers_ping_restarts_and_leaves_no_process() => FixtureLife.RunAsync(new RedisServer(), async redis =>
    {
        var first = redis.Process!.Value;
        Assert.True(await redis.PingAsync());
        Assert.Contains("redis-server 127.0.0.1:", ProcessTree.CommandLine(first.Pid), StringComparison.Ordinal);

        await Processes.AssertAllGoneAsync(await redis.StopAsync());
        await redis.StartAsync();
        Assert.True(await redis.PingAsync());
        Assert.NotEqual(first, redis.Process!.Value);

        await redis.KillAsync();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(redis.PingAsync);
        await redis.StartAsync();
        Assert.True(await redis.PingAsync());
    });
}

public sealed class RedisPasswordTests
{
    [Fact]
    public async Task Requirepass_is_honoured_by_the_readiness_probe_and_the_server()
    {
        var paths = StackPaths.CreateTemporary(LeftoverStacks.Prefix);
        try
        {
            await using var supervisor = new ProcessSupervisor(paths);
            var redis = new Stack.Components.Redis(paths, Ports.GetFree(), password: "s3cret");
            await supervisor.StartAsync([redis.Spec]);

            Assert.True(await Stack.Components.Redis.PingAsync(redis.Port, "s3cret", CancellationToken.None));
            Assert.False(await Stack.Components.Redis.PingAsync(redis.Port, null, CancellationToken.None));
            Assert.DoesNotContain("s3cret", ProcessTree.CommandLine(supervisor.GetProcess(ServiceNames.Redis)!.Value.Pid), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(paths.Root, recursive: true);
        }
    }
}

[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class PrometheusTests
{
    private const string Config = """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files: [recording.yml]
        scrape_configs:
          - job_name: prometheus
            static_configs:
              - targets: ['127.0.0.1:{{port}}']
        """;

    private const string Rules = """
        groups:
          - name: smoke
            rules:
              - record: job:up:sum
                expr: sum by (job) (up)
        """;

    [Fact]
    public Task Loads_config_and_rules_scrapes_itself_and_stops() =>
        FixtureLife.RunAsync(new PrometheusServer(Config, new Dictionary<string, string> { ["recording.yml"] = Rules }), async prometheus =>
        {
            await prometheus.WaitForTargetUpAsync("prometheus");
            Assert.Equal("1", (await prometheus.QueryAsync("up{job=\"prometheus\"}"))[0].GetProperty("value")[1].GetString());
            var groups = (await prometheus.GetJsonAsync("/api/v1/rules")).GetProperty("data").GetProperty("groups");
            Assert.Equal("smoke", groups[0].GetProperty("name").GetString());
            await prometheus.ReloadAsync();
        });
}

[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class AlertmanagerTests
{
    [Fact]
    public Task Accepts_and_lists_alerts() => FixtureLife.RunAsync(new AlertmanagerServer(), async alertmanager =>
    {
        await alertmanager.PostAlertAsync(
            new Dictionary<string, string> { ["alertname"] = "StackSmoke", ["severity"] = "warning", ["component"] = "monitoring" },
            new Dictionary<string, string> { ["summary"] = "smoke" });

        var alerts = await alertmanager.ListAlertsAsync();
        Assert.Contains(alerts.EnumerateArray(), a => a.GetProperty("labels").GetProperty("alertname").GetString() == "StackSmoke");
    });
}

[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class ExporterTests
{
    [Fact]
    public Task Node_exporter_serves_metrics() => FixtureLife.RunAsync(new NodeExporterServer(), async node =>
        Assert.Contains("node_exporter_build_info", await node.ScrapeAsync(), StringComparison.Ordinal));

    [Fact]
    public Task Postgres_exporter_reads_the_server_and_custom_queries()
    {
        const string queries = """
            thebot_smoke:
              query: "SELECT 42 AS answer"
              metrics:
                - answer:
                    usage: "GAUGE"
                    description: "Always 42"
            """;
        return FixtureLife.RunAsync(new PostgresExporterServer(queries), async exporter =>
        {
            var text = await exporter.ScrapeAsync();
            Assert.Contains("pg_up 1", text, StringComparison.Ordinal);
            Assert.Matches(new Regex(@"^thebot_smoke_answer(\{[^}]*\})? 42$", RegexOptions.Multiline), text);
            Assert.Equal([ServiceNames.PostgreSql, ServiceNames.PostgresExporter], exporter.Supervisor.Running);
        });
    }

    [Fact]
    public Task Redis_exporter_reads_the_server() => FixtureLife.RunAsync(new RedisExporterServer(), async exporter =>
    {
        Assert.Contains("redis_up 1", await exporter.ScrapeAsync(), StringComparison.Ordinal);
        Assert.Equal([ServiceNames.Redis, ServiceNames.RedisExporter], exporter.Supervisor.Running);
    });
}

public sealed class LeftoverStackTests
{
    [Fact]
    public async Task A_stack_whose_test_process_died_is_stopped_and_deleted_by_the_sweep()
    {
        var paths = StackPaths.CreateTemporary(LeftoverStacks.Prefix);
        var sleep = Processes.UniqueSleep();
        var supervisor = new ProcessSupervisor(paths);
        await supervisor.StartAsync([new ProcessSpec("orphan", "/bin/sh") { Arguments = ["-c", $"{sleep} & {sleep}"], Readiness = Processes.Running(sleep, 2) }]);
        var tree = ProcessTree.Snapshot(supervisor.GetProcess("orphan")!.Value);
        supervisor.Detach();

        // Only now does the folder look abandoned: its owner is a process that has exited.
        using var exited = System.Diagnostics.Process.Start("/bin/true")!;
        await exited.WaitForExitAsync();
        await File.WriteAllTextAsync(Path.Combine(paths.Root, "owner"), $"{exited.Id} 1");

        try
        {
            await LeftoverStacks.SweepAsync(); // (another fixture's sweep may have got there first)
            await Processes.AssertAllGoneAsync(tree);
        }
        finally
        {
            tree.ToList().ForEach(p => ProcessTree.Signal(p, ProcessSignal.Kill));
        }

        Assert.False(Directory.Exists(paths.Root));
    }
}
