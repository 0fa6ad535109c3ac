using StarPlugin.Evaluation;
using StarPlugin.Web.Project;
using StarPlugin.Web.Storage;
using StarPlugin.Web.Tests.Support;

namespace StarPlugin.Web.Tests.Storage;

/// <summary>One contract, two stores: SQLite and PostgreSQL run the same tests.</summary>
public abstract class StoreContractTests
{
    protected ILensStore Store = null!;
    protected ProjectFolder Folder = null!;
    private string _dir = null!;
    protected static readonly SwapSettings Settings = new(0.2, 1e-3, 0.99);

    protected abstract ILensStore Open(string dir);
    protected virtual void Cleanup() { }

    [SetUp]
    public async Task SetUp()
    {
        _dir = TestData.TempDir("store");
        Folder = new ProjectFolder(_dir);
        Store = Open(_dir);
        await Store.InitializeAsync();
        await Store.InitializeAsync(); // twice: a second server starting on the same database
    }

    [TearDown]
    public async Task TearDown()
    {
        await Store.DisposeAsync();
        Cleanup();
        Directory.Delete(_dir, true);
    }

    [Test]
    public async Task SettingsRoundTripExactly()
    {
        Assert.That(await Store.GetSettingsAsync(), Is.Null);
        var s = new SwapSettings(1.0 / 3, 1e-9 / 7, 0.95);
        await Store.SetSettingsAsync(s);
        Assert.That(await Store.GetSettingsAsync(), Is.EqualTo(s));
    }

    [Test]
    public async Task VolunteersAreUniqueByName()
    {
        var a = await Store.CreateVolunteerAsync("ana", "hash", Role.Scientist, false);
        await Assert.ThrowsAsync<DuplicateException>(() => Store.CreateVolunteerAsync("ana", "h2", Role.Volunteer, false));
        var g1 = await Store.CreateVolunteerAsync(null, null, Role.Volunteer, true);
        var g2 = await Store.CreateVolunteerAsync(null, null, Role.Volunteer, true);
        Assert.That(g1.Id, Is.Not.EqualTo(g2.Id));
        var found = await Store.FindVolunteerAsync("ana");
        Assert.That((found!.Id, found.Role, found.PasswordHash), Is.EqualTo((a.Id, Role.Scientist, "hash")));
        // Names are data, never SQL.
        var odd = await Store.CreateVolunteerAsync("x'); DROP TABLE volunteers; --", "h", Role.Volunteer, false);
        Assert.That((await Store.FindVolunteerAsync("x'); DROP TABLE volunteers; --"))!.Id, Is.EqualTo(odd.Id));
        Assert.That(await Store.ListVolunteersAsync(), Has.Count.EqualTo(4));
    }

    [Test]
    public async Task ClassificationsApplyTheSwapUpdateInOneTransaction()
    {
        var ids = await Projects.AddBareSubjectsAsync(Store, Folder, Settings, [("lens", 1), ("not", 0), ("u1", -1), ("u2", -1)]);
        var v = await Store.CreateVolunteerAsync(null, null, Role.Volunteer, true);
        var o1 = await Store.ClassifyAsync(new NewClassification(v.Id, ids[0], 1, 3.5, 4.5, true, 10), Settings);
        Assert.That(o1.Agent, Is.EqualTo(new AgentState(1, 1, 0, 0)));
        Assert.That(o1.Subject, Is.Null);
        var o2 = await Store.ClassifyAsync(new NewClassification(v.Id, ids[1], 1, null, null, null, 11), Settings);
        Assert.That(o2.Agent, Is.EqualTo(new AgentState(1, 1, 1, 0)));
        var o3 = await Store.ClassifyAsync(new NewClassification(v.Id, ids[2], 1, null, null, null, 12), Settings);
        var expected = SwapRules.Update(SubjectState.New(Settings), new AgentState(1, 1, 1, 0), 1, Settings);
        Assert.That(o3.Subject, Is.EqualTo(expected));
        Assert.That((await Store.GetSubjectAsync(ids[2]))!.State, Is.EqualTo(expected));
        await Assert.ThrowsAsync<DuplicateException>(() => Store.ClassifyAsync(new NewClassification(v.Id, ids[2], 0, null, null, null, 13), Settings));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.ClassifyAsync(new NewClassification(v.Id, 99999, 0, null, null, null, 13), Settings));
        // The failed writes left nothing behind.
        var rows = await Store.AllClassificationsAsync();
        Assert.That(rows.Select(r => r.SubjectId), Is.EqualTo(ids.Take(3)));
        Assert.That(rows[0].X, Is.EqualTo(3.5)); Assert.That(rows[0].Hit, Is.True); Assert.That(rows[2].PosteriorAfter, Is.EqualTo(expected.Posterior));
        var me = await Store.GetVolunteerAsync(v.Id);
        Assert.That((me!.Classified, me.Agent), Is.EqualTo((3, new AgentState(1, 1, 1, 0))));
        Assert.That(await Store.HasClassifiedAsync(v.Id, ids[2]), Is.True);
        Assert.That(await Store.HasClassifiedAsync(v.Id, ids[3]), Is.False);
        Assert.That(await Store.IntegrityCheckAsync(), Is.EqualTo("ok"));
    }

    [Test]
    public async Task ConcurrentVotesOnOneImageAllCountAndReplayExactly()
    {
        var ids = await Projects.AddBareSubjectsAsync(Store, Folder, Settings, [("g1", 1), ("g0", 0), ("u", -1)]);
        var vols = new List<Volunteer>();
        for (int i = 0; i < 24; i++) vols.Add(await Store.CreateVolunteerAsync(null, null, Role.Volunteer, true));
        await Parallel.ForEachAsync(vols, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (v, ct) =>
        {
            await Store.ClassifyAsync(new NewClassification(v.Id, ids[0], (int)(v.Id % 3 == 0 ? 0 : 1), null, null, null, 1), Settings, ct);
            await Store.ClassifyAsync(new NewClassification(v.Id, ids[1], 0, null, null, null, 2), Settings, ct);
            await Store.ClassifyAsync(new NewClassification(v.Id, ids[2], (int)(v.Id % 2), null, null, null, 3), Settings, ct);
        });
        var u = await Store.GetSubjectAsync(ids[2]);
        Assert.That(u!.State.Votes, Is.EqualTo(24));
        var r = await Rescorer.RunAsync(Store, Settings, write: false);
        Assert.That((r.Classifications, r.SubjectsDiffering, r.VolunteersDiffering), Is.EqualTo((72, 0, 0)));
    }

    [Test]
    public async Task QueueSkipsSeenAndRetiredImagesAndWantsFewestVotes()
    {
        var ids = await Projects.AddBareSubjectsAsync(Store, Folder, Settings, [("a", -1), ("b", -1), ("c", -1), ("t", 0)]);
        var v1 = await Store.CreateVolunteerAsync(null, null, Role.Volunteer, true);
        var v2 = await Store.CreateVolunteerAsync(null, null, Role.Volunteer, true);
        await Store.ClassifyAsync(new NewClassification(v1.Id, ids[0], 0, null, null, null, 1), Settings);
        Assert.That(await Store.QueueAsync(v1.Id, null, 10), Is.EqualTo(new[] { ids[1], ids[2] }));
        Assert.That(await Store.QueueAsync(v2.Id, null, 10), Is.EqualTo(new[] { ids[1], ids[2], ids[0] }), "fewest votes first");
        Assert.That(await Store.QueueAsync(v2.Id, 0, 10), Is.EqualTo(new[] { ids[3] }));
        await Store.WriteScoresAsync(new Dictionary<long, SubjectState> { [ids[1]] = new(1e-6, 5, SubjectStatus.RetiredNotLens) }, new Dictionary<long, AgentState>());
        Assert.That(await Store.QueueAsync(v2.Id, null, 10), Is.EqualTo(new[] { ids[2], ids[0] }));
    }

    [Test]
    public async Task QueueBringsTheImagesAVoteTellsMostAboutFirst()
    {
        // Posteriors 0.2 (the prior), 0.45, 0.9 and 0.01: a vote is worth most near ½.
        var ids = await Projects.AddBareSubjectsAsync(Store, Folder, Settings, [("prior", -1), ("near", -1), ("high", -1), ("low", -1)]);
        await Store.WriteScoresAsync(new Dictionary<long, SubjectState>
        {
            [ids[1]] = new(0.45, 1, SubjectStatus.Active), [ids[2]] = new(0.9, 2, SubjectStatus.Active), [ids[3]] = new(0.01, 1, SubjectStatus.Active),
        }, new Dictionary<long, AgentState>());
        var v = await Store.CreateVolunteerAsync(null, null, Role.Volunteer, true);
        var queue = await Store.QueueAsync(v.Id, null, 10);
        Assert.That(queue, Is.EqualTo(new[] { ids[1], ids[0], ids[2], ids[3] }));
        // The same order as the expected information of a vote by a volunteer with P_L = P_D = 0.8.
        double[] p = [0.2, 0.45, 0.9, 0.01];
        var byInformation = Enumerable.Range(0, 4).OrderByDescending(i => VoteInformation.Expected(p[i], 0.8, 0.8)).Select(i => ids[i]);
        Assert.That(queue, Is.EqualTo(byInformation));
    }

    [Test]
    public async Task AMachineVotesLikeAVolunteerWithTheSkillItShowsOnTrainingImages()
    {
        // 60 training images (30 lenses) and 4 unknown; the machine's scores are right on 27 of 30 lenses and 29 of 30 non-lenses.
        var keys = Enumerable.Range(0, 60).Select(i => ($"t{i}", i % 2)).Concat(Enumerable.Range(0, 4).Select(i => ($"u{i}", -1))).ToList();
        var ids = await Projects.AddBareSubjectsAsync(Store, Folder, Settings, keys);
        var scores = new Dictionary<string, double>();
        for (int i = 0; i < 60; i++) scores[$"t{i}"] = i % 2 == 1 ? (i < 6 ? 0.1 : 0.9) : (i == 0 ? 0.8 : 0.2);
        scores["u0"] = 0.95; scores["u1"] = 0.05; scores["missing"] = 0.5;
        var r = await new MachineVotes(Store).ImportAsync("machine:test", scores, 0.5, Settings);
        Assert.That((r.TrainingVotes, r.UnknownVotes, r.NotInProject), Is.EqualTo((60, 2, 1)));
        Assert.That(r.Skill.PLens, Is.EqualTo((27 + 1.0) / (30 + 2)).Within(1e-12));
        Assert.That(r.Skill.PNotLens, Is.EqualTo((29 + 1.0) / (30 + 2)).Within(1e-12));
        // Its votes moved the unknown images by Bayes' rule with that skill.
        var u0 = (await Store.GetSubjectAsync(ids[60]))!.State.Posterior;
        double pl = r.Skill.PLens, pd = r.Skill.PNotLens, prior = Settings.Prior;
        Assert.That(u0, Is.EqualTo(pl * prior / (pl * prior + (1 - pd) * (1 - prior))).Within(1e-12));
        Assert.That((await Store.GetSubjectAsync(ids[61]))!.State.Posterior, Is.LessThan(prior));
        Assert.That((await Store.GetSubjectAsync(ids[62]))!.State.Votes, Is.EqualTo(0));
        // Importing again adds nothing; the offline replay gives the same numbers.
        var again = await new MachineVotes(Store).ImportAsync("machine:test", scores, 0.5, Settings);
        Assert.That((again.TrainingVotes, again.UnknownVotes, again.AlreadyVoted), Is.EqualTo((0, 0, 62)));
        var replay = await Rescorer.RunAsync(Store, Settings, write: false);
        Assert.That(replay.SubjectsDiffering + replay.VolunteersDiffering, Is.EqualTo(0));
    }

    [Test]
    public async Task ImportsAreAllOrNothing()
    {
        await Projects.AddBareSubjectsAsync(Store, Folder, Settings, [("a", -1)]);
        await Assert.ThrowsAsync<DuplicateException>(() => Projects.AddBareSubjectsAsync(Store, Folder, Settings, [("b", -1), ("a", 0)]));
        Assert.That((await Store.ListSubjectsAsync(null, 10, 0)).Select(s => s.Key), Is.EqualTo(new[] { "a" }));
    }

    [Test]
    public async Task ProgressAndReports()
    {
        var ids = await Projects.AddBareSubjectsAsync(Store, Folder, Settings, [("a", -1), ("b", -1), ("t", 1)]);
        var v = await Store.CreateVolunteerAsync("vv", "h", Role.Volunteer, false);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Store.ClassifyAsync(new NewClassification(v.Id, ids[0], 1, null, null, null, now), Settings);
        await Store.AddReportAsync(v.Id, ids[0], "a satellite trail", now);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.AddReportAsync(v.Id, 12345, "x", now));
        var p = await Store.ProgressAsync(now + 1);
        Assert.That((p.Subjects, p.Training, p.Unknown, p.Seen, p.Volunteers, p.ActiveVolunteers, p.Classifications, p.ClassificationsLastHour), Is.EqualTo((3, 1, 2, 1, 1, 1, 1L, 1L)));
        Assert.That((await Store.ReportsAsync(10)).Single().Comment, Is.EqualTo("a satellite trail"));
    }
}

[TestFixture]
public class SqliteStoreTests : StoreContractTests
{
    protected override ILensStore Open(string dir) => new SqliteLensStore(Path.Combine(dir, "lensfinder.db"));

    [Test]
    public async Task TheDatabaseIsOneWalFileBesideTheData()
    {
        await Store.CreateVolunteerAsync("x1", null, Role.Volunteer, false);
        Assert.That(File.Exists(Path.Combine(Folder.Root, "lensfinder.db")), Is.True);
        Assert.That(File.Exists(Path.Combine(Folder.Root, "lensfinder.db-wal")), Is.True, "WAL journal");
    }
}

[TestFixture]
public class PostgresStoreTests : StoreContractTests
{
    private string? _cs;
    protected override ILensStore Open(string dir) => new PostgresLensStore(_cs = Postgres.NewDatabase());
    protected override void Cleanup() { if (_cs != null) Postgres.DropDatabase(_cs); }
}
