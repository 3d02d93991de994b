using TheBot.Stack;
using TheBot.Stack.Components;
using Xunit;

namespace TheBot.Stack.Tests;

/// <summary>The one binary → Debian package map, and the components that name their package through it.</summary>
public sealed class DebianPackageMapTests
{
    [Theory]
    [InlineData("/usr/bin/prometheus", "prometheus")]
    [InlineData("promtool", "prometheus")] // a tool name, as check looks tools up on PATH
    [InlineData("amtool", "prometheus-alertmanager")]
    [InlineData("sh", "dash")]
    [InlineData("/usr/lib/postgresql/15/bin/postgres", "postgresql-15")]
    [InlineData("/usr/bin/thebot-unknown", null)]
    public void Names_the_package_of_a_binary_or_tool(string binary, string? package) =>
        Assert.Equal(package, DebianPackageMap.For(binary));

    [Fact]
    public void Components_name_the_package_of_their_binary_from_the_map()
    {
        var paths = StackPaths.CreateTemporary("thebot-packages-");
        try
        {
            var ports = PortPlan.Default;
            ProcessSpec[] specs =
            [
                new Redis(paths, ports[ServiceNames.Redis]).Spec,
                new NodeExporter(ports[ServiceNames.NodeExporter]).Spec,
            ];
            Assert.Equal(["redis-server", "prometheus-node-exporter"], specs.Select(s => s.Package));
            Assert.Equal("given", (specs[0] with { Package = "given" }).Package);
        }
        finally
        {
            Directory.Delete(paths.Root, recursive: true);
        }
    }
}
