using System.Reflection;
using TheBot.Cli.Commands;
using TheBot.Testing;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// <c>./thebot test --fast</c> leaves out what starts a whole stack: every test class here that does carries the
/// Stack trait (a new one without it would slow the inner loop by minutes), and the filter keeps the user's own.
/// </summary>
public sealed class FastLoopTests
{
    [Fact]
    public void Every_class_that_starts_a_whole_stack_carries_the_Stack_trait()
    {
        var stackClasses = typeof(FastLoopTests).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false })
            .Where(t => t.IsSubclassOf(typeof(OwnStackTest)) || t.GetInterfaces().Contains(typeof(IClassFixture<StackFixture>)))
            .ToList();

        Assert.NotEmpty(stackClasses);
        var untagged = stackClasses
            .Where(t => !t.GetCustomAttributes<TraitAttribute>().Any())
            .Select(t => t.Name)
            .ToList();
        Assert.True(untagged.Count == 0, "start a whole stack but lack [Trait(TestCategory.Name, TestCategory.Stack)]: " + string.Join(", ", untagged));
        Assert.All(stackClasses, t => Assert.Contains(t.GetCustomAttributesData(), a => a.AttributeType == typeof(TraitAttribute)
            && a.ConstructorArguments.Select(c => c.Value as string).SequenceEqual([TestCategory.Name, TestCategory.Stack])));
    }

    [Fact]
    public void The_fast_loop_variable_is_the_one_the_server_fixtures_read() =>
        Assert.Equal(TestCategory.FastLoopVariable, TestCommand.FastLoopVariable);

    [Theory]
    [InlineData(null, false, null)]
    [InlineData("FullyQualifiedName~Exposition", false, "FullyQualifiedName~Exposition")]
    [InlineData(null, true, "Category!=Stack&Category!=RealServers&Category!=Publish")]
    [InlineData("FullyQualifiedName~Exposition|FullyQualifiedName~Health", true, "(FullyQualifiedName~Exposition|FullyQualifiedName~Health)&Category!=Stack&Category!=RealServers&Category!=Publish")]
    public void Fast_narrows_the_users_filter(string? filter, bool fast, string? expected) =>
        Assert.Equal(expected, TestCommand.FastFilter(filter, fast));
}
