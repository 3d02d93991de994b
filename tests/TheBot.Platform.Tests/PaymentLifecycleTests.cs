using System.Net;
using TheBot.Platform.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Platform.Tests;

/// <summary>
/// A payment is recorded pending before the charge and settled after it; a pending payment the request could not
/// settle is settled by the reconciliation job. The database's view is read with triggers installed by the test.
/// </summary>
[Collection(PlatformCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class PaymentLifecycleTests(FullPlatformFixture platform)
{
    [Fact]
    public async Task A_payment_is_recorded_pending_before_the_charge_and_settled_after_it()
    {
        var user = await platform.CreateUserAsync();
        const long Amount = 4_243;
        await using var transitions = await TransitionLog.InstallAsync(platform, Amount, failSettlement: false);

        var (status, body, _) = await platform.PostAsync("/api/payments", new { userId = user, amountCents = Amount, currency = "EUR", method = "wallet", token = "sim_success" });

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("succeeded", body.GetProperty("status").GetString());
        Assert.Equal(JsonNull, body.GetProperty("reconciledAt").ValueKind);
        Assert.Equal([$"{body.GetProperty("id").GetInt64()}|pending|succeeded"], await transitions.ReadAsync());
    }

    [Fact]
    public async Task A_charge_whose_outcome_cannot_be_recorded_stays_pending_and_the_reconciliation_settles_it_from_the_provider()
    {
        var user = await platform.CreateUserAsync();
        const long Amount = 4_242;
        const string Succeeded = "thebot_payments_processed_total{status=\"succeeded\",method=\"card\"}";
        await using var transitions = await TransitionLog.InstallAsync(platform, Amount, failSettlement: true);
        var before = await platform.ScrapeAsync();

        // The provider charges; writing the outcome then fails like a full disk (SQLSTATE 53100): 503, money moved.
        var (status, problem, contentType) = await platform.PostAsync("/api/payments", new { userId = user, amountCents = Amount, currency = "EUR", method = "card", token = "sim_success" });
        Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{(int)status} {problem}");
        Assert.Equal("application/problem+json", contentType);

        var id = long.Parse(await platform.Postgres.QueryAsync($"SELECT id FROM payments WHERE user_id = {user} AND amount_cents = {Amount}"), System.Globalization.CultureInfo.InvariantCulture);
        await TestHttp.WaitUntilAsync(async () => (await platform.GetAsync($"/api/payments/{id}")).Body.GetProperty("status").GetString() == "succeeded",
            TimeSpan.FromSeconds(10), () => $"payment {id} not settled by the reconciliation");
        var (_, payment, _) = await platform.GetAsync($"/api/payments/{id}");
        Assert.StartsWith("sim_", payment.GetProperty("providerReference").GetString());
        Assert.NotEqual(JsonNull, payment.GetProperty("reconciledAt").ValueKind);
        Assert.Equal([$"{id}|pending|succeeded"], await transitions.ReadAsync());

        // Counted once, when it was settled; the user hears of it.
        await platform.WaitForJobsAsync();
        var after = await platform.ScrapeAsync();
        Assert.Equal(1, MetricsSnapshot.Delta(before, after, Succeeded));
        var (_, notifications, _) = await platform.GetAsync($"/api/users/{user}/notifications");
        Assert.Contains(notifications.EnumerateArray(), n => n.GetProperty("body").GetString() == $"Payment {id} succeeded.");
    }

    [Fact]
    public async Task A_pending_payment_left_behind_is_settled_by_the_sweep_as_never_charged()
    {
        var user = await platform.CreateUserAsync();
        const string Failed = "thebot_payments_processed_total{status=\"failed\",method=\"bank_transfer\"}";
        var before = await platform.ScrapeAsync();

        // What a crash between the pending record and the charge leaves: a pending row no request will finish.
        var id = long.Parse(await platform.Postgres.QueryAsync(
            $"INSERT INTO payments (user_id, amount_cents, currency, method, status, created_at) VALUES ({user}, 777, 'EUR', 'bank_transfer', 'pending', now() - interval '1 hour') RETURNING id"),
            System.Globalization.CultureInfo.InvariantCulture);

        await TestHttp.WaitUntilAsync(async () => (await platform.GetAsync($"/api/payments/{id}")).Body.GetProperty("status").GetString() == "failed",
            TimeSpan.FromSeconds(10), () => $"pending payment {id} not swept");
        var (_, payment, _) = await platform.GetAsync($"/api/payments/{id}");
        Assert.Equal("never reached the provider; no money was taken", payment.GetProperty("failureReason").GetString());
        Assert.NotEqual(JsonNull, payment.GetProperty("reconciledAt").ValueKind);

        await platform.WaitForJobsAsync();
        var after = await platform.ScrapeAsync();
        Assert.Equal(1, MetricsSnapshot.Delta(before, after, Failed));
        var (_, notifications, _) = await platform.GetAsync($"/api/users/{user}/notifications");
        Assert.Contains(notifications.EnumerateArray(), n => n.GetProperty("body").GetString() == $"Payment {id} failed; no money was taken.");
    }

    private const System.Text.Json.JsonValueKind JsonNull = System.Text.Json.JsonValueKind.Null;

    /// <summary>
    /// A trigger that logs every status change of payments of one amount into a table, and with
    /// <c>failSettlement</c> refuses the request's own settlement (not the reconciliation's, which sets reconciled_at).
    /// </summary>
    private sealed class TransitionLog(PostgresServer postgres, string name) : IAsyncDisposable
    {
        public static async Task<TransitionLog> InstallAsync(PlatformFixture platform, long amount, bool failSettlement)
        {
            var name = "test_transitions_" + Guid.NewGuid().ToString("N")[..8];
            var refuse = failSettlement
                ? "IF NEW.reconciled_at IS NULL THEN RAISE EXCEPTION 'could not extend file: No space left on device (test)' USING ERRCODE = '53100'; END IF;"
                : string.Empty;
            await platform.Postgres.QueryAsync(
                $"""
                CREATE TABLE {name} (payment_id bigint, old_status text, new_status text, at timestamptz DEFAULT clock_timestamp());
                CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    {refuse}
                    INSERT INTO {name} (payment_id, old_status, new_status) VALUES (OLD.id, OLD.status, NEW.status);
                    RETURN NEW;
                END $$;
                CREATE TRIGGER {name} BEFORE UPDATE ON payments FOR EACH ROW WHEN (OLD.amount_cents = {amount}) EXECUTE FUNCTION {name}();
                """);
            return new TransitionLog(platform.Postgres, name);
        }

        /// <summary>The logged changes as <c>id|old|new</c>, in order.</summary>
        public async Task<string[]> ReadAsync() =>
            (await postgres.QueryAsync($"SELECT payment_id || '|' || old_status || '|' || new_status FROM {name} ORDER BY at"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);

        public async ValueTask DisposeAsync() =>
            await postgres.QueryAsync($"DROP TRIGGER {name} ON payments; DROP FUNCTION {name}(); DROP TABLE {name};");
    }
}
