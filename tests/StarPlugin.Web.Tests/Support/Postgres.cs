using Npgsql;

namespace StarPlugin.Web.Tests.Support;

/// <summary>
/// The PostgreSQL server the tests use: STARPLUGIN_TEST_POSTGRES, which test.sh and
/// .ci/run set after starting a throwaway cluster (tools/pg-test-cluster.sh). Each test
/// gets a database of its own. Without the variable the tests are ignored, loudly, unless
/// STARPLUGIN_REQUIRE_POSTGRES=1 (as in CI), where they fail.
/// </summary>
public static class Postgres
{
    public static string Server()
    {
        var cs = Environment.GetEnvironmentVariable("STARPLUGIN_TEST_POSTGRES");
        if (string.IsNullOrEmpty(cs))
        {
            const string why = "no PostgreSQL: run tools/pg-test-cluster.sh start and export STARPLUGIN_TEST_POSTGRES";
            if (Environment.GetEnvironmentVariable("STARPLUGIN_REQUIRE_POSTGRES") == "1") Assert.Fail(why);
            Assert.Ignore(why);
        }
        return cs!;
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static string NewDatabase()
    {
        var server = Server();
        string name = "lf_" + Guid.NewGuid().ToString("N")[..12];
        using (var c = new NpgsqlConnection(server))
        {
            c.Open();
            using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c); // a generated name, not input
            cmd.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ToString();
    }

    public static void DropDatabase(string cs)
    {
        var b = new NpgsqlConnectionStringBuilder(cs);
        NpgsqlConnection.ClearAllPools();
        using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { Database = "postgres" }.ToString());
        c.Open();
        using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {b.Database} WITH (FORCE)", c);
        cmd.ExecuteNonQuery();
    }
}
