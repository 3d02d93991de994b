using TheBot.Cli.Setup;
using TheBot.Stack.Components;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>The one binary → Debian package map: the registry's components' binaries, then the tools no component runs.</summary>
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
    public void Companion_tools_come_with_their_components_package()
    {
        // So check and doctor name the right package for a missing promtool, amtool or psql.
        Assert.Equal(Prometheus.DebianPackage, DebianPackageMap.For(Prometheus.Promtool));
        Assert.Equal(Alertmanager.DebianPackage, DebianPackageMap.For(Alertmanager.Amtool));
        Assert.Equal("postgresql-client-15", DebianPackageMap.For("psql"));
        Assert.DoesNotContain(DebianPackageMap.Tools, tool => DebianPackageMap.Binaries.Count(b => b.Binary == tool.Binary) > 1);
    }

    [Fact]
    public void Native_aot_prerequisites_are_installed_for_the_tests_only()
    {
        // up and doctor need no C toolchain to run the stack; ./thebot test installs it for NativeAotTests.
        Assert.Equal(["clang", "zlib1g-dev"], DebianPackageMap.TestOnly.Select(t => t.Package));
        Assert.DoesNotContain(DebianPackageMap.Binaries, b => DebianPackageMap.TestOnly.Any(t => t.Binary == b.Binary));
        Assert.Superset(DebianPackages.Missing().ToHashSet(), DebianPackages.Missing(forTests: true).ToHashSet());
    }
}
