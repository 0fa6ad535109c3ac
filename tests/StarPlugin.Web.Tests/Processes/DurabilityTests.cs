using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using StarPlugin.Web.Hosting;
using StarPlugin.Web.Project;
using StarPlugin.Web.Storage;
using StarPlugin.Web.Tests.Support;

namespace StarPlugin.Web.Tests.Processes;

/// <summary>Real server processes: killed under load (SQLite), and two at once on one PostgreSQL database.</summary>
[TestFixture]
public class DurabilityTests
{
    private static readonly Dictionary<string, string> Unlimited = new()
    {
        // One test machine plays many volunteers from one address: lift the per-address limits.
        ["signup-limit"] = "100000", ["login-limit"] = "100000", ["classify-rate"] = "100000", ["classify-burst"] = "100000",
    };

    private static async Task SeedAsync(LensFinderOptions o, int unknown, int training)
    {
        await using var state = await LensFinderState.OpenAsync(o);
        var keys = Enumerable.Range(0, unknown).Select(i => ($"u{i}", -1)).Concat(Enumerable.Range(0, training).Select(i => ($"t{i}", i % 2))).ToList();
        await Projects.AddBareSubjectsAsync(state.Store, state.Folder, state.Settings, keys);
    }

    private sealed record Ack(long Id, long Volunteer, long Subject, int Label);

    /// <summary>Clients classify as fast as they can until stopped; every 2xx answer is recorded.</summary>
    private static async Task<(ConcurrentBag<Ack> Acks, int Errors)> LoadAsync(IReadOnlyList<string> urls, int clients, Func<int, bool> keepGoing)
    {
        var acks = new ConcurrentBag<Ack>();
        int errors = 0, total = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, clients), new ParallelOptions { MaxDegreeOfParallelism = clients }, async (i, _) =>
        {
            using var c = new RemoteClient(urls[i % urls.Count]);
            long me;
            try { me = await c.GuestAsync(); } catch (HttpRequestException) { Interlocked.Increment(ref errors); return; }
            var rng = new Random(i);
            while (keepGoing(Volatile.Read(ref total)))
            {
                try
                {
                    var next = await c.NextAsync();
                    if (next is not long id) return;
                    int label = rng.Next(2);
                    var r = await c.PostAsync("/api/classifications", new { subject_id = id, label });
                    if (r.IsSuccessStatusCode)
                    {
                        var fb = await r.Content.ReadFromJsonAsync<JsonElement>();
                        acks.Add(new Ack(fb.GetProperty("classification_id").GetInt64(), me, id, label));
                        Interlocked.Increment(ref total);
                    }
                    else if (r.StatusCode != HttpStatusCode.Conflict) Interlocked.Increment(ref errors);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    Interlocked.Increment(ref errors);
                    return; // the server is gone
                }
            }
        });
        return (acks, errors);
    }

    [Test]
    public async Task NoAcknowledgedClassificationIsLostWhenTheServerIsKilled()
    {
        string dir = TestData.TempDir("kill");
        try
        {
            await SeedAsync(new LensFinderOptions { DataDir = dir }, 3000, 200);
            using var server = await ServerProcess.StartAsync(dir, Unlimited);
            // Kill it while 32 clients are writing, after about 1500 acknowledged classifications.
            var killAt = 1500;
            var killer = Task.Run(async () =>
            {
                var deadline = DateTime.UtcNow.AddSeconds(120);
                while (DateTime.UtcNow < deadline && CountRows(dir) < killAt) await Task.Delay(50);
                server.Kill();
            });
            var (acks, _) = await LoadAsync([server.Url], 32, _ => !server.Process.HasExited);
            await killer;
            Assert.That(server.Process.HasExited, Is.True);
            TestContext.Out.WriteLine($"{acks.Count} classifications acknowledged before SIGKILL");
            Assert.That(acks.Count, Is.GreaterThan(500), "the load ran");

            // After the restart, every acknowledged classification is there, exactly as sent.
            using var again = await ServerProcess.StartAsync(dir, Unlimited);
            again.Kill(); // recovery ran at start-up; now read the file itself
            using var db = new SqliteConnection($"Data Source={Path.Combine(dir, "lensfinder.db")};Pooling=False");
            db.Open();
            var stored = new Dictionary<long, (long, long, int)>();
            using (var cmd = new SqliteCommand("SELECT id, volunteer_id, subject_id, label FROM classifications", db))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) stored[r.GetInt64(0)] = (r.GetInt64(1), r.GetInt64(2), r.GetInt32(3));
            foreach (var a in acks)
            {
                Assert.That(stored.TryGetValue(a.Id, out var row), Is.True, $"acknowledged classification {a.Id} lost");
                Assert.That(row, Is.EqualTo((a.Volunteer, a.Subject, a.Label)));
            }
            using (var cmd = new SqliteCommand("PRAGMA integrity_check", db))
                Assert.That(cmd.ExecuteScalar(), Is.EqualTo("ok"));
            // The consensus stored with them still equals the offline recompute.
            db.Close();
            await using var state = await LensFinderState.OpenAsync(new LensFinderOptions { DataDir = dir });
            var rescore = await Rescorer.RunAsync(state.Store, state.Settings, write: false);
            Assert.That((rescore.SubjectsDiffering, rescore.VolunteersDiffering), Is.EqualTo((0, 0)));
        }
        finally { SqliteConnection.ClearAllPools(); Directory.Delete(dir, true); }
    }

    private static long CountRows(string dir)
    {
        try
        {
            using var db = new SqliteConnection($"Data Source={Path.Combine(dir, "lensfinder.db")};Mode=ReadOnly;Pooling=False");
            db.Open();
            using var cmd = new SqliteCommand("SELECT COUNT(*) FROM classifications", db);
            return (long)cmd.ExecuteScalar()!;
        }
        catch (SqliteException) { return 0; }
    }

    [Test]
    public async Task TwoServerProcessesShareOnePostgresDatabase()
    {
        string cs = Postgres.NewDatabase();
        string dir = TestData.TempDir("pg2");
        try
        {
            var o = new LensFinderOptions { DataDir = dir, Postgres = cs, Swap = new StarPlugin.Evaluation.SwapSettings(0.1, 1e-4, 0.99) };
            await SeedAsync(o, 300, 60);
            var settings = new Dictionary<string, string>(Unlimited) { ["postgres"] = cs };
            using var a = await ServerProcess.StartAsync(dir, settings);
            using var b = await ServerProcess.StartAsync(dir, settings);

            // A session opened on one server is accepted by the other (shared cookie keys).
            var jar = new CookieContainer();
            using (var ca = new RemoteClient(a.Url, jar)) await ca.GuestAsync();
            using (var cb = new RemoteClient(b.Url, jar)) Assert.That((await cb.GetAsync("/api/me")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

            // 24 volunteers, half on each server, voting on the same few hundred images.
            var (acks, errors) = await LoadAsync([a.Url, b.Url], 24, total => total < 2400);
            Assert.That(errors, Is.Zero, a.Log + "\n" + b.Log);
            Assert.That(acks.Count, Is.GreaterThanOrEqualTo(2400));
            await using var state = await LensFinderState.OpenAsync(o);
            var rows = await state.Store.AllClassificationsAsync();
            Assert.That(rows.Select(r => r.Id).Order(), Is.EqualTo(acks.Select(x => x.Id).Order()), "every acknowledged classification, nothing else");
            var votes = (await state.Store.ListSubjectsAsync(null, 10000, 0)).ToDictionary(s => s.Id, s => s.State.Votes);
            foreach (var g in rows.GroupBy(r => r.SubjectId)) Assert.That(votes[g.Key], Is.EqualTo(g.Count()), $"subject {g.Key}");
            // Both processes applied the SWAP updates in an order the offline replay reproduces exactly.
            var r = await Rescorer.RunAsync(state.Store, state.Settings, write: false);
            Assert.That((r.SubjectsDiffering, r.VolunteersDiffering, r.MaxPosteriorDifference), Is.EqualTo((0, 0, 0.0)));
            Assert.That(await state.Store.IntegrityCheckAsync(), Is.EqualTo("ok"));
        }
        finally
        {
            Postgres.DropDatabase(cs);
            Directory.Delete(dir, true);
        }
    }
}
