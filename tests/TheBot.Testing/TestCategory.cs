namespace TheBot.Testing;

/// <summary>
/// Trait values (<c>[Trait(TestCategory.Name, TestCategory.Stack)]</c>) that sort tests into loops:
/// <c>./thebot test --fast</c> leaves out <see cref="Stack"/> classes and the detection project.
/// </summary>
public static class TestCategory
{
    /// <summary>The trait's name.</summary>
    public const string Name = "Category";

    /// <summary>Starts a whole stack through <c>up</c>'s code (minutes each); not part of the fast loop.</summary>
    public const string Stack = "Stack";
}
