using TheBot.Stack;
using TheBot.Stack.Components;
using Xunit;

namespace TheBot.Stack.Tests;

/// <summary>
/// Who PostgreSQL runs as: root must hand it to the postgres user (it refuses root, and only root can switch users
/// or chown the data folder); anyone else runs it as themselves, without setpriv.
/// </summary>
public sealed class PostgresUserTests
{
    [Fact]
    public void Root_runs_the_server_as_postgres_and_anyone_else_as_themselves()
    {
        Assert.Equal(PostgreSql.User, PostgreSql.ServerUserFor(startedByRoot: true));
        Assert.Null(PostgreSql.ServerUserFor(startedByRoot: false));
    }

    [Fact]
    public void A_non_root_spec_starts_postgres_itself_and_a_root_spec_goes_through_setpriv()
    {
        var paths = StackPaths.CreateTemporary("thebot-pguser-");
        try
        {
            Assert.Equal(PostgreSql.ServerUserFor(Environment.IsPrivilegedProcess), new PostgreSql(paths, 5432, "pw").ServerUser);
            var asCaller = new PostgreSql(paths, 5432, "pw") { ServerUser = PostgreSql.ServerUserFor(startedByRoot: false) }.Spec;
            Assert.Null(asCaller.RunAs);
            var (file, arguments) = UnixUser.Wrap(asCaller.RunAs, asCaller.Executable, asCaller.Arguments);
            Assert.Equal(asCaller.Executable, file);
            Assert.Equal(asCaller.Arguments, arguments);

            var asRoot = new PostgreSql(paths, 5432, "pw") { ServerUser = PostgreSql.ServerUserFor(startedByRoot: true) }.Spec;
            Assert.Equal(PostgreSql.User, asRoot.RunAs);
            var (rootFile, rootArguments) = UnixUser.Wrap(asRoot.RunAs, asRoot.Executable, asRoot.Arguments);
            Assert.Equal(UnixUser.SetPriv, rootFile);
            Assert.Equal(asRoot.Executable, rootArguments[rootArguments.IndexOf("--") + 1]);
        }
        finally
        {
            Directory.Delete(paths.Root, recursive: true);
        }
    }
}
