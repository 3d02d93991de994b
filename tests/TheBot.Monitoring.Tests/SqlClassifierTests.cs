using TheBot.Monitoring.Data;
using Xunit;

namespace TheBot.Monitoring.Tests;

public sealed class SqlClassifierTests
{
    [Theory]
    [InlineData("SELECT name FROM items WHERE id = @id", "select", "items")]
    [InlineData("select * from public.\"Courses\" c join users u on u.id = c.owner", "select", "Courses")]
    [InlineData("  -- leading comment\n/* block */ SELECT 1", "select", "none")]
    [InlineData("SELECT (SELECT count(*) FROM a) FROM b", "select", "b")]
    [InlineData("INSERT INTO chat_messages (room, body) VALUES ('from x', 'y')", "insert", "chat_messages")]
    [InlineData("UPDATE ONLY assignments SET title = 'FROM t' WHERE id = 1", "update", "assignments")]
    [InlineData("DELETE FROM sessions WHERE expires < now()", "delete", "sessions")]
    [InlineData("WITH recent AS (SELECT * FROM payments WHERE at > now()) UPDATE payments SET flagged = true", "update", "payments")]
    [InlineData("WITH x AS (DELETE FROM jobs RETURNING *) SELECT count(*) FROM x", "select", "x")]
    [InlineData("CREATE TABLE t (id int)", "other", "none")]
    [InlineData("", "other", "none")]
    [InlineData("SELECT 'unterminated", "select", "none")]
    public void Statements_are_classified_by_operation_and_main_table(string sql, string operation, string table)
    {
        var shape = SqlClassifier.Parse(sql);
        Assert.Equal(operation, shape.Operation);
        Assert.Equal(table, shape.Table);
    }

    [Fact]
    public void A_statement_is_parsed_once_then_served_from_the_cache()
    {
        var classifier = new SqlClassifier();
        var first = classifier.Classify("SELECT 1 FROM a");
        var second = classifier.Classify(new string("SELECT 1 FROM a".ToCharArray()));
        Assert.Same(first, second);
        Assert.Equal(1, classifier.CachedCount);
    }

    [Fact]
    public void The_cache_stays_within_its_capacity_and_keeps_the_statements_in_use()
    {
        var classifier = new SqlClassifier(capacity: 10);
        var hot = classifier.Classify("SELECT name FROM items WHERE id = $1");
        for (var i = 0; i < 1_000; i++)
        {
            Assert.Equal("insert", classifier.Classify($"INSERT INTO t VALUES ({i})").Operation);
            Assert.True(classifier.CachedCount <= 10, $"{classifier.CachedCount} statements cached after {i + 1} one-off ones");
            // Run between the one-off statements, the hot one is served from the cache every time: the same instance.
            Assert.Same(hot, classifier.Classify(new string("SELECT name FROM items WHERE id = $1".ToCharArray())));
        }

        var oneOff = classifier.Classify("INSERT INTO t VALUES (0)");
        Assert.Equal(("insert", "t"), (oneOff.Operation, oneOff.Table)); // evicted long ago: parsed again, still right
    }

    [Fact]
    public void Unquoted_names_are_folded_to_lower_case_and_quoted_ones_keep_their_case()
    {
        Assert.Equal("items", SqlClassifier.Parse("SELECT * FROM Public.ITEMS").Table);
        Assert.Equal("Lessons", SqlClassifier.Parse("SELECT l.\"Id\" FROM \"public\".\"Lessons\" AS l").Table);
    }
}
