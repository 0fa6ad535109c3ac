using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using StarPlugin.Evaluation;
using StarPlugin.Lensing;
using StarPlugin.Web.Project;
using StarPlugin.Web.Storage;
using StarPlugin.Web.Tests.Support;

namespace StarPlugin.Web.Tests.Api;

/// <summary>The JSON API through WebApplicationFactory, on a SQLite project made at test time.</summary>
[TestFixture]
public class ApiTests
{
    private string _dir = null!;
    private LensFinderFactory _f = null!;

    [SetUp]
    public async Task SetUp()
    {
        _dir = TestData.TempDir("api");
        // Per-volunteer classification limits lifted here (tests answer faster than people);
        // SignUpsAndClassificationsAreRateLimited runs a server with the defaults.
        _f = new LensFinderFactory(_dir, new Dictionary<string, string?> { ["prior"] = "0.1", ["reject"] = "0.001", ["detect"] = "0.99", ["classify-rate"] = "1000", ["classify-burst"] = "1000" });
        _ = _f.Server; // start: schema and settings
        await Projects.SeedAsync(_f.State);
    }

    [TearDown]
    public void TearDown()
    {
        _f.Dispose();
        Directory.Delete(_dir, true);
    }

    [Test]
    public async Task SignUpLoginAndPasswordsAreHashed()
    {
        using var a = _f.Client();
        var me = await a.SignUpAsync("星空-ana", "a long enough password");
        Assert.That(me.GetProperty("role").GetString(), Is.EqualTo("volunteer"));
        using var b = _f.Client();
        Assert.That((await b.PostAsync("/api/volunteers", new { name = "星空-ana", password = "another password" })).StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await b.PostAsync("/api/volunteers", new { name = "bob", password = "short" })).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await b.PostAsync("/api/session", new { name = "星空-ana", password = "wrong password!" })).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await b.PostAsync("/api/session", new { name = "nobody", password = "wrong password!" })).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var login = await b.LoginAsync("星空-ana", "a long enough password");
        Assert.That(login.GetProperty("id").GetInt64(), Is.EqualTo(me.GetProperty("id").GetInt64()));
        var stored = await _f.State.Store.FindVolunteerAsync("星空-ana");
        Assert.That(stored!.PasswordHash, Does.Not.Contain("a long enough password"));
        Assert.That(Convert.FromBase64String(stored.PasswordHash!)[0], Is.EqualTo(1), "PasswordHasher v3 format (PBKDF2)");
        // Logging out ends the session.
        Assert.That((await b.SendAsync(HttpMethod.Delete, "/api/session")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await b.GetAsync("/api/me")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task VolunteersGet403OnScientistDataAndAnonymousGet401()
    {
        await Projects.ScientistAsync(_f.State);
        using var v = _f.Client();
        await v.SignUpAsync("volunteer1", "password-one");
        using var anon = _f.Client();
        using var s = _f.Client();
        await s.LoginAsync("sci", "correct horse battery");
        foreach (var url in new[] { "/api/candidates", "/api/candidates?format=csv", "/api/subjects/1", "/api/progress", "/api/volunteers", "/api/reports", "/api/plots/skill.svg", "/api/plots/posterior.svg" })
        {
            Assert.That((await v.GetAsync(url)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), url);
            Assert.That((await anon.GetAsync(url)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), url);
            Assert.That((await s.GetAsync(url)).StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
        }
        var form = new MultipartFormDataContent { { new StringContent("file,label\n"), "labels" } };
        Assert.That((await v.PostAsync("/api/import", form)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        // A volunteer's own centre holds only their own decisions.
        var next = (await v.NextAsync())!.Value;
        await v.ClassifyAsync(next.GetProperty("subject_id").GetInt64(), 0);
        using var other = _f.Client();
        await other.GuestAsync();
        var mine = await other.JsonAsync(await other.GetAsync("/api/me"), HttpStatusCode.OK);
        Assert.That(mine.GetProperty("decisions").GetArrayLength(), Is.EqualTo(0));
    }

    [Test]
    public async Task WritesWithoutTheAntiforgeryTokenAreRefused()
    {
        using var c = _f.Client();
        await c.GuestAsync();
        var next = (await c.NextAsync())!.Value;
        var r = await c.SendAsync(HttpMethod.Post, "/api/classifications", new { subject_id = next.GetProperty("subject_id").GetInt64(), label = 1 }, token: false);
        Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await _f.State.Store.CountClassificationsAsync(), Is.Zero);
        Assert.That((await c.SendAsync(HttpMethod.Post, "/api/session", new { guest = true }, token: false)).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task SignUpsAndClassificationsAreRateLimited()
    {
        string dir = TestData.TempDir("limits");
        using var f = new LensFinderFactory(dir); // the default limits
        using var c = f.Client();
        int created = 0, limited = 0;
        for (int i = 0; i < 14; i++)
        {
            var r = await c.PostAsync("/api/volunteers", new { name = $"user{i}", password = "password-123" });
            if (r.StatusCode == HttpStatusCode.Created) created++;
            else if (r.StatusCode == HttpStatusCode.TooManyRequests) limited++;
        }
        Assert.That(created, Is.EqualTo(10), "10 sign-ups a minute from one address");
        Assert.That(limited, Is.EqualTo(4));
        // Classifications: a burst of 20, then 5 a second, per volunteer.
        using var g = f.Client();
        await g.GuestAsync();
        int tooMany = 0;
        for (int i = 0; i < 40; i++)
        {
            var r = await g.PostAsync("/api/classifications", new { subject_id = 999999, label = 1 });
            if (r.StatusCode == HttpStatusCode.TooManyRequests) tooMany++;
            else Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }
        Assert.That(tooMany, Is.GreaterThanOrEqualTo(15));
        f.Dispose();
        Directory.Delete(dir, true);
    }

    [Test]
    public async Task ImagePathsNeverLeaveTheDataFolder()
    {
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(_dir)!, "secret-" + Path.GetFileName(_dir) + ".txt"), "secret");
        using var c = _f.Client();
        await c.GuestAsync();
        foreach (var url in new[] { "/api/images/..%2F..%2Fetc%2Fpasswd", "/api/images/../../etc/passwd", "/static/..%2F..%2Fetc%2Fpasswd", "/api/images/-1" })
        {
            var r = await c.GetAsync(url);
            Assert.That(r.StatusCode, Is.AnyOf(HttpStatusCode.NotFound, HttpStatusCode.BadRequest), url);
            Assert.That(await r.Content.ReadAsStringAsync(), Does.Not.Contain("root:"));
        }
        var folder = new ProjectFolder(_dir);
        Assert.Throws<UnauthorizedAccessException>(() => folder.Resolve("../secret.txt"));
        Assert.Throws<UnauthorizedAccessException>(() => folder.Resolve("images/../../x"));
        Assert.Throws<UnauthorizedAccessException>(() => folder.Resolve("/etc/passwd"));
        // A link inside the folder that leads out is refused too.
        File.CreateSymbolicLink(Path.Combine(_dir, "images", "out.png"), "/etc/passwd");
        Assert.Throws<UnauthorizedAccessException>(() => folder.Resolve("images/out.png"));
        // An import whose labels name a file outside its folder changes nothing.
        var src = TestData.TempDir("trav");
        var (dir, _) = TestData.Folder(Path.Combine(src, "in"), 2);
        int before = (await _f.State.Store.ListSubjectsAsync(null, 1000, 0)).Count;
        var e = await Assert.ThrowsAsync<ImportException>(() => new ProjectImporter(_f.State.Folder, _f.State.Store)
            .ImportAsync(dir, "file,label\nc000.png,0\n../../etc/passwd,0\n", 0, 1, _f.State.Settings));
        Assert.That(e!.Message, Does.Contain("outside"));
        Assert.That((await _f.State.Store.ListSubjectsAsync(null, 1000, 0)).Count, Is.EqualTo(before));
        Directory.Delete(src, true);
    }

    [Test]
    public async Task ABadUploadIsRefusedWithAMessageAndChangesNothing()
    {
        await Projects.ScientistAsync(_f.State);
        using var s = _f.Client();
        await s.LoginAsync("sci", "correct horse battery");
        var imagesBefore = Directory.GetFileSystemEntries(Path.Combine(_dir, "images"), "*", SearchOption.AllDirectories).Order().ToArray();
        int subjectsBefore = (await _f.State.Store.ListSubjectsAsync(null, 1000, 0)).Count;
        var good = await File.ReadAllBytesAsync(Directory.GetFiles(Path.Combine(_dir, "images"), "*.png", SearchOption.AllDirectories)[0]);
        var bad = good.Take(good.Length / 2).ToArray(); // a PNG cut in half
        var form = new MultipartFormDataContent
        {
            { new StringContent("file,label\ngood.png,0\nbad.png,-1\n"), "labels" },
            { new ByteArrayContent(good) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "files", "good.png" },
            { new ByteArrayContent(bad) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "files", "bad.png" },
        };
        var r = await s.PostAsync("/api/import", form);
        var body = await r.Content.ReadAsStringAsync();
        Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(body, Does.Contain("bad.png"));
        Assert.That((await _f.State.Store.ListSubjectsAsync(null, 1000, 0)).Count, Is.EqualTo(subjectsBefore));
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(_dir, "images"), "*", SearchOption.AllDirectories).Order().ToArray(), Is.EqualTo(imagesBefore));
        // The same upload without the bad file goes in, and a mock is made from it.
        var ok = new MultipartFormDataContent
        {
            { new StringContent("file,label\ngood.png,0\n"), "labels" },
            { new StringContent("1"), "mocks" },
            { new ByteArrayContent(good), "files", "good.png" },
        };
        var done = await s.JsonAsync(await s.PostAsync("/api/import", ok), HttpStatusCode.Created);
        Assert.That(done.GetProperty("subjects").GetInt32(), Is.EqualTo(2));
    }

    [Test]
    public async Task FeedbackOnAMockOutlinesTheArcAndScoresTheClick()
    {
        using var c = _f.Client();
        await c.GuestAsync();
        var mocks = (await _f.State.Store.ListSubjectsAsync(Labels.Lens, 100, 0)).Where(m => m.ArcMask != null).ToList();
        Assert.That(mocks, Has.Count.GreaterThanOrEqualTo(2));
        var (onArc, offArc) = (mocks[^1], mocks[^2]);
        var region = ArcRegion.Unpack(onArc.Width, onArc.Height, onArc.ArcMask!);
        var inside = Enumerable.Range(0, onArc.Width * onArc.Height).First(i => region.Contains(i % onArc.Width, i / onArc.Width));
        // The outline is refused before the volunteer has answered.
        Assert.That((await c.GetAsync($"/api/images/{onArc.Id}/arc")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var fb = await c.ClassifyAsync(onArc.Id, 1, inside % onArc.Width + 0.5, inside / onArc.Width + 0.5);
        Assert.That(fb.GetProperty("training").GetBoolean(), Is.True);
        Assert.That(fb.GetProperty("truth").GetInt32(), Is.EqualTo(1));
        Assert.That(fb.GetProperty("correct").GetBoolean(), Is.True);
        Assert.That(fb.GetProperty("hit").GetBoolean(), Is.True);
        Assert.That(fb.GetProperty("arc_url").GetString(), Is.EqualTo($"/api/images/{onArc.Id}/arc"));
        var arc = await c.GetAsync($"/api/images/{onArc.Id}/arc");
        Assert.That(arc.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(arc.Content.Headers.ContentType!.MediaType, Is.EqualTo("image/png"));
        // A click far from the arc (a corner outside the region) is a miss; "not a lens" on a mock is wrong.
        var r2 = ArcRegion.Unpack(offArc.Width, offArc.Height, offArc.ArcMask!);
        var corner = new[] { (0, 0), (offArc.Width - 1, 0), (0, offArc.Height - 1), (offArc.Width - 1, offArc.Height - 1) }.First(p => !r2.Hit(p.Item1, p.Item2));
        var miss = await c.ClassifyAsync(offArc.Id, 0, corner.Item1, corner.Item2);
        Assert.That(miss.GetProperty("hit").GetBoolean(), Is.False);
        Assert.That(miss.GetProperty("correct").GetBoolean(), Is.False);
        // A second answer on the same image is refused.
        Assert.That((await c.PostAsync("/api/classifications", new { subject_id = onArc.Id, label = 0 })).StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        // Bad input: a label of 2, a click outside the image, an unknown subject.
        Assert.That((await c.PostAsync("/api/classifications", new { subject_id = offArc.Id, label = 2 })).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await c.PostAsync("/api/classifications", new { subject_id = mocks[0].Id, label = 1, x = -3.0, y = 5.0 })).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await c.PostAsync("/api/classifications", new { subject_id = 424242, label = 1 })).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var bad = new StringContent("{\"subject_id\": \"x\"", Encoding.UTF8, "application/json");
        Assert.That((await c.PostAsync("/api/classifications", bad)).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task VolunteerInputNeverReachesATrainingLabel()
    {
        var training = (await _f.State.Store.ListSubjectsAsync(null, 1000, 0)).Where(s => s.IsTraining).ToDictionary(s => s.Id, s => s.Truth);
        for (int v = 0; v < 6; v++)
        {
            using var c = _f.Client();
            await c.GuestAsync();
            foreach (var (id, truth) in training) await c.ClassifyAsync(id, 1 - truth); // every answer wrong
        }
        var after = (await _f.State.Store.ListSubjectsAsync(null, 1000, 0)).Where(s => s.IsTraining).ToDictionary(s => s.Id, s => s.Truth);
        Assert.That(after, Is.EqualTo(training));
        // The contrarians' matrices say so: they move unknown images the other way, they do not relabel anything.
        var vols = await _f.State.Store.ListVolunteersAsync();
        Assert.That(vols.All(v => v.Agent.PLens < 0.5 && v.Agent.PNotLens < 0.5), Is.True);
    }

    [Test]
    public async Task PersonalCentreCountsTheConfusionMatrix()
    {
        using var c = _f.Client();
        await c.GuestAsync();
        var subjects = await _f.State.Store.ListSubjectsAsync(null, 1000, 0);
        var lenses = subjects.Where(s => s.Truth == 1).Take(3).ToList();
        var nots = subjects.Where(s => s.Truth == 0).Take(4).ToList();
        // TP 2, FN 1, TN 3, FP 1.
        await c.ClassifyAsync(lenses[0].Id, 1); await c.ClassifyAsync(lenses[1].Id, 1); await c.ClassifyAsync(lenses[2].Id, 0);
        await c.ClassifyAsync(nots[0].Id, 0); await c.ClassifyAsync(nots[1].Id, 0); await c.ClassifyAsync(nots[2].Id, 0); await c.ClassifyAsync(nots[3].Id, 1);
        var unknown = subjects.First(s => s.Truth == -1);
        await c.ClassifyAsync(unknown.Id, 1);
        var me = await c.JsonAsync(await c.GetAsync("/api/me"), HttpStatusCode.OK);
        var t = me.GetProperty("training");
        Assert.That((t.GetProperty("tp").GetInt32(), t.GetProperty("fn").GetInt32(), t.GetProperty("fp").GetInt32(), t.GetProperty("tn").GetInt32()), Is.EqualTo((2, 1, 1, 3)));
        Assert.That(t.GetProperty("accuracy").GetDouble(), Is.EqualTo(5.0 / 7).Within(1e-12));
        Assert.That(t.GetProperty("precision").GetDouble(), Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(t.GetProperty("recall").GetDouble(), Is.EqualTo(2.0 / 3).Within(1e-12));
        var skill = me.GetProperty("skill");
        Assert.That(skill.GetProperty("p_lens").GetDouble(), Is.EqualTo(3.0 / 5).Within(1e-12), "(2+1)/(3+2)");
        Assert.That(skill.GetProperty("p_not_lens").GetDouble(), Is.EqualTo(4.0 / 6).Within(1e-12), "(3+1)/(4+2)");
        // Mutual information at equal odds, by hand: P_L = 0.6, P_D = 2/3.
        double pl = 0.6, pd = 2.0 / 3, sl = 0.5 * pl + 0.5 * (1 - pd), sn = 1 - sl;
        double bits = 0.5 * pl * Math.Log2(pl / sl) + 0.5 * (1 - pl) * Math.Log2((1 - pl) / sn) + 0.5 * (1 - pd) * Math.Log2((1 - pd) / sl) + 0.5 * pd * Math.Log2(pd / sn);
        Assert.That(skill.GetProperty("bits_per_decision").GetDouble(), Is.EqualTo(bits).Within(1e-12));
        Assert.That(me.GetProperty("history").GetArrayLength(), Is.EqualTo(7));
        Assert.That(me.GetProperty("decisions").GetArrayLength(), Is.EqualTo(8));
        Assert.That(me.GetProperty("decisions")[0].GetProperty("training").GetBoolean(), Is.False, "newest first");
    }

    [Test]
    public async Task TrainingImagesComeOftenAtFirstAndLessWithExperience()
    {
        // Many unknown subjects so that the queue never runs dry; compare the training share early and late.
        var keys = Enumerable.Range(0, 400).Select(i => ($"u{i}", -1)).Concat(Enumerable.Range(0, 300).Select(i => ($"t{i}", i % 2))).ToList();
        await Projects.AddBareSubjectsAsync(_f.State.Store, _f.State.Folder, _f.State.Settings, keys);
        var truth = (await _f.State.Store.ListSubjectsAsync(null, 2000, 0)).ToDictionary(s => s.Id, s => s.Truth);
        int early = 0, late = 0;
        for (int v = 0; v < 8; v++)
        {
            using var c = _f.Client();
            await c.GuestAsync();
            for (int i = 0; i < 120; i++)
            {
                var n = (await c.NextAsync())!.Value;
                long id = n.GetProperty("subject_id").GetInt64();
                if (i < 3) Assert.That(truth[id], Is.Not.EqualTo(-1), "the first images are training images");
                if (i is >= 3 and < 13 && truth[id] != -1) early++;
                if (i >= 100 && truth[id] != -1) late++;
                var r = await c.PostAsync("/api/classifications", new { subject_id = id, label = 0 });
                if (r.StatusCode == HttpStatusCode.TooManyRequests) { await Task.Delay(1000); i--; continue; }
                Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            }
        }
        // Expected: about 0.5·e^(-i/40) early (≈ 0.45 of 80) and the floor 0.1 late (≈ 0.1 of 160).
        TestContext.Out.WriteLine($"training share: early {early / 80.0:F2}, late {late / 160.0:F2}");
        Assert.That(early / 80.0, Is.GreaterThan(0.3));
        Assert.That(late / 160.0, Is.LessThan(0.2));
    }

    [Test]
    public async Task RetiredImagesLeaveTheQueueAndTheQueueFavoursFewVotes()
    {
        // A fresh set of unknown images: experts vote on one until it retires.
        var ids = await Projects.AddBareSubjectsAsync(_f.State.Store, _f.State.Folder, _f.State.Settings, Enumerable.Range(0, 30).Select(i => ($"q{i}", -1)).ToList());
        var store = _f.State.Store;
        var expert = await store.CreateVolunteerAsync(null, null, Role.Volunteer, true);
        var training = (await store.ListSubjectsAsync(null, 1000, 0)).Where(s => s.IsTraining).ToList();
        foreach (var t in training) await store.ClassifyAsync(new NewClassification(expert.Id, t.Id, t.Truth, null, null, null, 1), _f.State.Settings);
        // Prior 0.1, reject below 0.001: a few confident "not" votes retire an image.
        long target = ids[0];
        for (int k = 0; k < 12; k++)
        {
            var e = await store.CreateVolunteerAsync(null, null, Role.Volunteer, true);
            foreach (var t in training) await store.ClassifyAsync(new NewClassification(e.Id, t.Id, t.Truth, null, null, null, 1), _f.State.Settings);
            var o = await store.ClassifyAsync(new NewClassification(e.Id, target, 0, null, null, null, 2), _f.State.Settings);
            if (o.Subject!.Value.Status == SubjectStatus.RetiredNotLens) break;
        }
        var s = await store.GetSubjectAsync(target);
        Assert.That(s!.State.Status, Is.EqualTo(SubjectStatus.RetiredNotLens));
        var fresh = await store.CreateVolunteerAsync(null, null, Role.Volunteer, true);
        var queue = await store.QueueAsync(fresh.Id, null, 1000);
        Assert.That(queue, Does.Not.Contain(target));
        // The queue starts with the images with fewest votes.
        var votes = (await store.ListSubjectsAsync(-1, 1000, 0)).ToDictionary(x => x.Id, x => x.State.Votes);
        var firstVotes = queue.Take(5).Select(id => votes[id]).ToList();
        Assert.That(firstVotes.Max(), Is.LessThanOrEqualTo(votes.Where(kv => queue.Contains(kv.Key)).Min(kv => kv.Value)));
    }

    [Test]
    public async Task ScientistsExportCandidatesAsCsvAndJson()
    {
        await Projects.ScientistAsync(_f.State);
        using var g = _f.Client();
        await g.GuestAsync();
        var unknown = (await _f.State.Store.ListSubjectsAsync(-1, 100, 0)).ToList();
        await g.ClassifyAsync(unknown[0].Id, 1);
        using var s = _f.Client();
        await s.LoginAsync("sci", "correct horse battery");
        var csv = await (await s.GetAsync("/api/candidates?format=csv&limit=1000")).Content.ReadAsStringAsync();
        var lines = csv.Trim().Split('\n');
        Assert.That(lines[0], Is.EqualTo("rank,subject_id,key,file,posterior,votes,status"));
        Assert.That(lines, Has.Length.EqualTo(unknown.Count + 1));
        var json = await s.JsonAsync(await s.GetAsync("/api/candidates?format=json&limit=1000"), HttpStatusCode.OK);
        Assert.That(json.GetArrayLength(), Is.EqualTo(unknown.Count));
        var voted = json.EnumerateArray().Single(x => x.GetProperty("subject_id").GetInt64() == unknown[0].Id);
        Assert.That(voted.GetProperty("history").GetArrayLength(), Is.EqualTo(1));
        Assert.That(voted.GetProperty("history")[0].GetProperty("label").GetInt32(), Is.EqualTo(1));
        var posteriors = json.EnumerateArray().Select(x => x.GetProperty("posterior").GetDouble()).ToList();
        Assert.That(posteriors, Is.Ordered.Descending);
        var detail = await s.JsonAsync(await s.GetAsync($"/api/subjects/{unknown[0].Id}"), HttpStatusCode.OK);
        Assert.That(detail.GetProperty("history").GetArrayLength(), Is.EqualTo(1));
        var svg = await (await s.GetAsync("/api/plots/skill.svg")).Content.ReadAsStringAsync();
        Assert.That(svg, Does.StartWith("<svg"));
    }

    [Test]
    public async Task OnlineScoresEqualTheOfflineRecomputeExactly()
    {
        var keys = Enumerable.Range(0, 60).Select(i => ($"u{i}", -1)).Concat(Enumerable.Range(0, 40).Select(i => ($"t{i}", i % 2))).ToList();
        await Projects.AddBareSubjectsAsync(_f.State.Store, _f.State.Folder, _f.State.Settings, keys);
        var truth = (await _f.State.Store.ListSubjectsAsync(null, 1000, 0)).ToDictionary(s => s.Id, s => s.Truth);
        var rng = new Random(4);
        var clients = new List<ApiClient>();
        for (int v = 0; v < 10; v++) { var c = _f.Client(); await c.GuestAsync(); clients.Add(c); }
        // Volunteers of different skill answering in an interleaved order, several at once.
        await Parallel.ForEachAsync(Enumerable.Range(0, 10), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (v, _) =>
        {
            var vr = new Random(v);
            double skill = 0.5 + 0.05 * v;
            for (int i = 0; i < 30; i++)
            {
                var n = await clients[v].NextAsync();
                if (n is null) break;
                long id = n.Value.GetProperty("subject_id").GetInt64();
                int t = truth[id] == -1 ? (id % 5 == 0 ? 1 : 0) : truth[id];
                int label = vr.NextDouble() < skill ? t : 1 - t;
                var r = await clients[v].PostAsync("/api/classifications", new { subject_id = id, label });
                if (r.StatusCode == HttpStatusCode.TooManyRequests) { await Task.Delay(300); i--; }
            }
        });
        foreach (var c in clients) c.Dispose();
        var result = await Rescorer.RunAsync(_f.State.Store, _f.State.Settings, write: false);
        Assert.That(result.Classifications, Is.GreaterThan(200));
        Assert.That(result.SubjectsDiffering, Is.Zero);
        Assert.That(result.VolunteersDiffering, Is.Zero);
        Assert.That(result.MaxPosteriorDifference, Is.EqualTo(0.0));
        // eval crowd's entry point gives the same posteriors from the same votes (no retirement there: compare unretired ones).
        var rows = await _f.State.Store.AllClassificationsAsync();
        var gold = truth.Where(kv => kv.Value != -1).ToDictionary(kv => kv.Key.ToString(), kv => kv.Value);
        var (ranked, _) = CrowdConsensus.Run(rows.Select(r => new Vote(r.VolunteerId.ToString(), r.SubjectId.ToString(), r.Label)).ToList(), gold, _f.State.Settings);
        var stored = (await _f.State.Store.ListSubjectsAsync(-1, 1000, 0)).ToDictionary(s => s.Id.ToString(), s => s.State.Posterior);
        foreach (var c in ranked) Assert.That(c.Posterior, Is.EqualTo(stored[c.Image]), c.Image);
    }
}
