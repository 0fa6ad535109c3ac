using System.Data.Common;
using System.Globalization;
using StarPlugin.Evaluation;

namespace StarPlugin.Web.Storage;

/// <summary>
/// The SQL both stores share: plain ANSI SQL with named parameters only (no value is
/// ever spliced into a statement). Subclasses say how a write transaction runs
/// (SQLite: one writer, committed in groups; PostgreSQL: row locks) and which column
/// types and lock clause their dialect uses.
/// </summary>
public abstract class SqlLensStore : ILensStore
{
    protected abstract string IdColumn { get; }
    protected abstract string IntType { get; }
    protected abstract string RealType { get; }
    protected abstract string BlobType { get; }
    /// <summary>" FOR UPDATE" where rows can be locked (PostgreSQL); SQLite has one writer.</summary>
    protected abstract string ForUpdate { get; }

    protected abstract Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> op, CancellationToken ct);
    protected abstract Task<T> ReadAsync<T>(Func<DbConnection, CancellationToken, Task<T>> op, CancellationToken ct);
    protected abstract bool IsUniqueViolation(DbException e);
    public abstract ValueTask DisposeAsync();
    public abstract Task<string> IntegrityCheckAsync(CancellationToken ct = default);

    protected string[] SchemaStatements() =>
    [
        "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        $"""
        CREATE TABLE IF NOT EXISTS volunteers (
          id {IdColumn}, name TEXT UNIQUE, password_hash TEXT, role {IntType} NOT NULL, guest {IntType} NOT NULL,
          created_ms {IntType} NOT NULL, lens_seen {IntType} NOT NULL DEFAULT 0, lens_said_lens {IntType} NOT NULL DEFAULT 0,
          not_seen {IntType} NOT NULL DEFAULT 0, not_said_not {IntType} NOT NULL DEFAULT 0, classified {IntType} NOT NULL DEFAULT 0,
          last_ms {IntType})
        """,
        $"""
        CREATE TABLE IF NOT EXISTS subjects (
          id {IdColumn}, key TEXT NOT NULL UNIQUE, file TEXT NOT NULL, width {IntType} NOT NULL, height {IntType} NOT NULL,
          truth {IntType} NOT NULL, category TEXT, mock_json TEXT, arc_mask {BlobType},
          posterior {RealType} NOT NULL, votes {IntType} NOT NULL DEFAULT 0, status {IntType} NOT NULL DEFAULT 0, created_ms {IntType} NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS subjects_queue ON subjects (truth, status, votes, id)",
        "CREATE INDEX IF NOT EXISTS subjects_information ON subjects (truth, status, (ABS(posterior - 0.5)), votes, id)",
        "CREATE INDEX IF NOT EXISTS subjects_posterior ON subjects (truth, posterior)",
        $"""
        CREATE TABLE IF NOT EXISTS classifications (
          id {IdColumn}, volunteer_id {IntType} NOT NULL REFERENCES volunteers (id), subject_id {IntType} NOT NULL REFERENCES subjects (id),
          label {IntType} NOT NULL, x {RealType}, y {RealType}, hit {IntType}, created_ms {IntType} NOT NULL, posterior_after {RealType},
          UNIQUE (volunteer_id, subject_id))
        """,
        "CREATE INDEX IF NOT EXISTS classifications_subject ON classifications (subject_id, id)",
        "CREATE INDEX IF NOT EXISTS classifications_time ON classifications (created_ms)",
        $"""
        CREATE TABLE IF NOT EXISTS reports (
          id {IdColumn}, volunteer_id {IntType} NOT NULL REFERENCES volunteers (id), subject_id {IntType} NOT NULL REFERENCES subjects (id),
          comment TEXT NOT NULL, created_ms {IntType} NOT NULL)
        """,
    ];

    public abstract Task InitializeAsync(CancellationToken ct = default);

    // ---- helpers -------------------------------------------------------------------

    protected static DbCommand Command(DbConnection c, DbTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    protected static async Task<int> ExecAsync(DbConnection c, DbTransaction? tx, CancellationToken ct, string sql, params (string, object?)[] args)
    {
        await using var cmd = Command(c, tx, sql, args);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    protected static async Task<object?> ScalarAsync(DbConnection c, DbTransaction? tx, CancellationToken ct, string sql, params (string, object?)[] args)
    {
        await using var cmd = Command(c, tx, sql, args);
        var v = await cmd.ExecuteScalarAsync(ct);
        return v is DBNull ? null : v;
    }

    protected static async Task<List<T>> QueryAsync<T>(DbConnection c, DbTransaction? tx, CancellationToken ct, Func<DbDataReader, T> map, string sql, params (string, object?)[] args)
    {
        await using var cmd = Command(c, tx, sql, args);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<T>();
        while (await r.ReadAsync(ct)) list.Add(map(r));
        return list;
    }

    protected static long L(DbDataReader r, int i) => Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);
    protected static long? NL(DbDataReader r, int i) => r.IsDBNull(i) ? null : L(r, i);
    protected static double? ND(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);
    protected static string? NS(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    protected static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private const string VolunteerColumns = "id, name, password_hash, role, guest, created_ms, lens_seen, lens_said_lens, not_seen, not_said_not, classified, last_ms";
    private static Volunteer MapVolunteer(DbDataReader r) => new(L(r, 0), NS(r, 1), NS(r, 2), (Role)L(r, 3), L(r, 4) != 0, L(r, 5),
        new AgentState((int)L(r, 6), (int)L(r, 7), (int)L(r, 8), (int)L(r, 9)), (int)L(r, 10), NL(r, 11));

    private const string SubjectColumns = "id, key, file, width, height, truth, category, mock_json, arc_mask, posterior, votes, status, created_ms";
    private static Subject MapSubject(DbDataReader r) => new(L(r, 0), r.GetString(1), r.GetString(2), (int)L(r, 3), (int)L(r, 4), (int)L(r, 5), NS(r, 6), NS(r, 7),
        r.IsDBNull(8) ? null : (byte[])r.GetValue(8), new SubjectState(r.GetDouble(9), (int)L(r, 10), (SubjectStatus)L(r, 11)), L(r, 12));

    private const string ClassificationColumns = "c.id, c.volunteer_id, c.subject_id, c.label, c.x, c.y, c.hit, c.created_ms, c.posterior_after, s.truth";
    private static ClassificationRow MapClassification(DbDataReader r) => new(L(r, 0), L(r, 1), L(r, 2), (int)L(r, 3), ND(r, 4), ND(r, 5),
        NL(r, 6) is { } h ? h != 0 : null, L(r, 7), ND(r, 8), (int)L(r, 9));

    // ---- settings ------------------------------------------------------------------

    public Task<SwapSettings?> GetSettingsAsync(CancellationToken ct = default) => ReadAsync(async (c, t) =>
    {
        var rows = await QueryAsync(c, null, t, r => (r.GetString(0), r.GetString(1)), "SELECT key, value FROM settings");
        var d = rows.ToDictionary(x => x.Item1, x => double.Parse(x.Item2, CultureInfo.InvariantCulture));
        if (!d.TryGetValue("prior", out double prior)) return null;
        return (SwapSettings?)new SwapSettings(prior, d.GetValueOrDefault("reject_threshold", 1e-7), d.GetValueOrDefault("detect_threshold", 0.95));
    }, ct);

    public Task SetSettingsAsync(SwapSettings s, CancellationToken ct = default) => WriteAsync(async (c, tx, t) =>
    {
        foreach (var (k, v) in new[] { ("prior", s.Prior), ("reject_threshold", s.RejectThreshold), ("detect_threshold", s.DetectThreshold) })
        {
            await ExecAsync(c, tx, t, "DELETE FROM settings WHERE key = @k", ("@k", k));
            await ExecAsync(c, tx, t, "INSERT INTO settings (key, value) VALUES (@k, @v)", ("@k", k), ("@v", v.ToString("R", CultureInfo.InvariantCulture)));
        }
        return 0;
    }, ct);

    // ---- volunteers ----------------------------------------------------------------

    public Task<Volunteer> CreateVolunteerAsync(string? name, string? passwordHash, Role role, bool guest, CancellationToken ct = default) => WriteAsync(async (c, tx, t) =>
    {
        if (name != null && await ScalarAsync(c, tx, t, "SELECT id FROM volunteers WHERE name = @n", ("@n", name)) != null)
            throw new DuplicateException($"the name {name} is taken");
        long now = NowMs();
        var id = Convert.ToInt64(await ScalarAsync(c, tx, t,
            "INSERT INTO volunteers (name, password_hash, role, guest, created_ms) VALUES (@n, @h, @r, @g, @t) RETURNING id",
            ("@n", name), ("@h", passwordHash), ("@r", (long)role), ("@g", guest ? 1L : 0L), ("@t", now)), CultureInfo.InvariantCulture);
        return new Volunteer(id, name, passwordHash, role, guest, now, default, 0, null);
    }, ct);

    public Task<Volunteer?> GetVolunteerAsync(long id, CancellationToken ct = default) => ReadAsync(async (c, t) =>
        (await QueryAsync(c, null, t, MapVolunteer, $"SELECT {VolunteerColumns} FROM volunteers WHERE id = @id", ("@id", id))).FirstOrDefault(), ct);

    public Task<Volunteer?> FindVolunteerAsync(string name, CancellationToken ct = default) => ReadAsync(async (c, t) =>
        (await QueryAsync(c, null, t, MapVolunteer, $"SELECT {VolunteerColumns} FROM volunteers WHERE name = @n", ("@n", name))).FirstOrDefault(), ct);

    public Task SetPasswordHashAsync(long id, string hash, CancellationToken ct = default) => WriteAsync((c, tx, t) =>
        ExecAsync(c, tx, t, "UPDATE volunteers SET password_hash = @h WHERE id = @id", ("@h", hash), ("@id", id)), ct);

    public Task<IReadOnlyList<Volunteer>> ListVolunteersAsync(CancellationToken ct = default) => ReadAsync(async (c, t) =>
        (IReadOnlyList<Volunteer>)await QueryAsync(c, null, t, MapVolunteer, $"SELECT {VolunteerColumns} FROM volunteers ORDER BY id"), ct);

    // ---- subjects ------------------------------------------------------------------

    public Task<IReadOnlyList<long>> AddSubjectsAsync(IReadOnlyList<NewSubject> subjects, SwapSettings settings, CancellationToken ct = default) => WriteAsync(async (c, tx, t) =>
    {
        var ids = new List<long>();
        long now = NowMs();
        foreach (var s in subjects)
        {
            if (await ScalarAsync(c, tx, t, "SELECT id FROM subjects WHERE key = @k", ("@k", s.Key)) != null)
                throw new DuplicateException($"a subject named {s.Key} exists already");
            ids.Add(Convert.ToInt64(await ScalarAsync(c, tx, t,
                "INSERT INTO subjects (key, file, width, height, truth, category, mock_json, arc_mask, posterior, votes, status, created_ms) " +
                "VALUES (@k, @f, @w, @h, @truth, @cat, @mock, @mask, @p, 0, 0, @t) RETURNING id",
                ("@k", s.Key), ("@f", s.File), ("@w", (long)s.Width), ("@h", (long)s.Height), ("@truth", (long)s.Truth), ("@cat", s.Category),
                ("@mock", s.MockJson), ("@mask", s.ArcMask), ("@p", settings.Prior), ("@t", now)), CultureInfo.InvariantCulture));
        }
        return (IReadOnlyList<long>)ids;
    }, ct);

    public Task<Subject?> GetSubjectAsync(long id, CancellationToken ct = default) => ReadAsync(async (c, t) =>
        (await QueryAsync(c, null, t, MapSubject, $"SELECT {SubjectColumns} FROM subjects WHERE id = @id", ("@id", id))).FirstOrDefault(), ct);

    public Task<IReadOnlyList<Subject>> ListSubjectsAsync(int? truth, int limit, int offset, CancellationToken ct = default) => ReadAsync(async (c, t) =>
    {
        string where = truth is null ? "" : "WHERE truth = @truth";
        return (IReadOnlyList<Subject>)await QueryAsync(c, null, t, MapSubject,
            $"SELECT {SubjectColumns} FROM subjects {where} ORDER BY posterior DESC, id LIMIT @lim OFFSET @off",
            ("@truth", (long?)truth), ("@lim", (long)Math.Clamp(limit, 0, 100000)), ("@off", (long)Math.Max(0, offset)));
    }, ct);

    public Task<IReadOnlyList<long>> QueueAsync(long volunteerId, int? trainingTruth, int count, CancellationToken ct = default) => ReadAsync(async (c, t) =>
    {
        string filter = trainingTruth is null ? "s.truth = -1 AND s.status = 0" : "s.truth = @truth";
        return (IReadOnlyList<long>)await QueryAsync(c, null, t, r => L(r, 0),
            $"SELECT s.id FROM subjects s WHERE {filter} AND NOT EXISTS " +
            // Unknown images in order of the information a vote brings (VoteInformation.QueueKey), then fewest votes.
            "(SELECT 1 FROM classifications c WHERE c.volunteer_id = @v AND c.subject_id = s.id) ORDER BY ABS(s.posterior - 0.5), s.votes, s.id LIMIT @n",
            ("@truth", (long?)trainingTruth), ("@v", volunteerId), ("@n", (long)Math.Clamp(count, 1, 1000)));
    }, ct);

    // ---- classifications -----------------------------------------------------------

    public Task<ClassifyOutcome> ClassifyAsync(NewClassification n, SwapSettings settings, CancellationToken ct = default) => WriteAsync(async (c, tx, t) =>
    {
        if (n.Label is not (0 or 1)) throw new ArgumentException("label must be 0 or 1");
        // Lock order: volunteer, then subject (PostgreSQL); SQLite has one writer anyway.
        var agents = await QueryAsync(c, tx, t, r => new AgentState((int)L(r, 0), (int)L(r, 1), (int)L(r, 2), (int)L(r, 3)),
            $"SELECT lens_seen, lens_said_lens, not_seen, not_said_not FROM volunteers WHERE id = @v{ForUpdate}", ("@v", n.VolunteerId));
        if (agents.Count == 0) throw new KeyNotFoundException("no such volunteer");
        var subjects = await QueryAsync(c, tx, t, r => ((int)L(r, 0), new SubjectState(r.GetDouble(1), (int)L(r, 2), (SubjectStatus)L(r, 3))),
            $"SELECT truth, posterior, votes, status FROM subjects WHERE id = @s{ForUpdate}", ("@s", n.SubjectId));
        if (subjects.Count == 0) throw new KeyNotFoundException("no such subject");
        if (await ScalarAsync(c, tx, t, "SELECT id FROM classifications WHERE volunteer_id = @v AND subject_id = @s", ("@v", n.VolunteerId), ("@s", n.SubjectId)) != null)
            throw new DuplicateException("this volunteer has classified this subject already");
        var agent = agents[0];
        var (truth, state) = subjects[0];
        SubjectState? after = null;
        if (Labels.IsTraining(truth))
        {
            agent = agent.Learn(truth, n.Label);
            await ExecAsync(c, tx, t, "UPDATE subjects SET votes = votes + 1 WHERE id = @s", ("@s", n.SubjectId));
        }
        else
        {
            var s = SwapRules.Update(state, agent, n.Label, settings);
            after = s;
            await ExecAsync(c, tx, t, "UPDATE subjects SET posterior = @p, votes = @n, status = @st WHERE id = @s",
                ("@p", s.Posterior), ("@n", (long)s.Votes), ("@st", (long)s.Status), ("@s", n.SubjectId));
        }
        await ExecAsync(c, tx, t, "UPDATE volunteers SET lens_seen = @a, lens_said_lens = @b, not_seen = @c, not_said_not = @d, " +
            "classified = classified + 1, last_ms = @t WHERE id = @v",
            ("@a", (long)agent.LensSeen), ("@b", (long)agent.LensSaidLens), ("@c", (long)agent.NotSeen), ("@d", (long)agent.NotSaidNot), ("@t", n.CreatedMs), ("@v", n.VolunteerId));
        long id = Convert.ToInt64(await ScalarAsync(c, tx, t,
            "INSERT INTO classifications (volunteer_id, subject_id, label, x, y, hit, created_ms, posterior_after) VALUES (@v, @s, @l, @x, @y, @hit, @t, @p) RETURNING id",
            ("@v", n.VolunteerId), ("@s", n.SubjectId), ("@l", (long)n.Label), ("@x", n.X), ("@y", n.Y), ("@hit", n.Hit is { } h ? (h ? 1L : 0L) : null),
            ("@t", n.CreatedMs), ("@p", after?.Posterior)), CultureInfo.InvariantCulture);
        return new ClassifyOutcome(id, agent, after, truth);
    }, ct);

    public Task<bool> HasClassifiedAsync(long volunteerId, long subjectId, CancellationToken ct = default) => ReadAsync(async (c, t) =>
        await ScalarAsync(c, null, t, "SELECT id FROM classifications WHERE volunteer_id = @v AND subject_id = @s", ("@v", volunteerId), ("@s", subjectId)) != null, ct);

    public Task<IReadOnlyList<ClassificationRow>> VolunteerHistoryAsync(long volunteerId, CancellationToken ct = default) => ReadAsync(async (c, t) =>
        (IReadOnlyList<ClassificationRow>)await QueryAsync(c, null, t, MapClassification,
            $"SELECT {ClassificationColumns} FROM classifications c JOIN subjects s ON s.id = c.subject_id WHERE c.volunteer_id = @v ORDER BY c.id", ("@v", volunteerId)), ct);

    public Task<IReadOnlyList<ClassificationRow>> SubjectVotesAsync(long subjectId, CancellationToken ct = default) => ReadAsync(async (c, t) =>
        (IReadOnlyList<ClassificationRow>)await QueryAsync(c, null, t, MapClassification,
            $"SELECT {ClassificationColumns} FROM classifications c JOIN subjects s ON s.id = c.subject_id WHERE c.subject_id = @s ORDER BY c.id", ("@s", subjectId)), ct);

    public Task<IReadOnlyList<ClassificationRow>> AllClassificationsAsync(CancellationToken ct = default) => ReadAsync(async (c, t) =>
        (IReadOnlyList<ClassificationRow>)await QueryAsync(c, null, t, MapClassification,
            $"SELECT {ClassificationColumns} FROM classifications c JOIN subjects s ON s.id = c.subject_id ORDER BY c.id"), ct);

    public Task<long> CountClassificationsAsync(CancellationToken ct = default) => ReadAsync(async (c, t) =>
        Convert.ToInt64(await ScalarAsync(c, null, t, "SELECT COUNT(*) FROM classifications"), CultureInfo.InvariantCulture), ct);

    public Task<ProgressStats> ProgressAsync(long nowMs, CancellationToken ct = default) => ReadAsync(async (c, t) =>
    {
        var counts = (await QueryAsync(c, null, t, r => Enumerable.Range(0, 7).Select(i => r.IsDBNull(i) ? 0L : L(r, i)).ToArray(),
            "SELECT COUNT(*), " +
            "SUM(CASE WHEN truth >= 0 THEN 1 ELSE 0 END), SUM(CASE WHEN truth = -1 THEN 1 ELSE 0 END), " +
            "SUM(CASE WHEN truth = -1 AND votes > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN truth = -1 AND status = 2 THEN 1 ELSE 0 END), " +
            "SUM(CASE WHEN truth = -1 AND status = 1 THEN 1 ELSE 0 END), 0 FROM subjects"))[0];
        long day = nowMs - 24 * 3600_000L;
        var vol = (await QueryAsync(c, null, t, r => (L(r, 0), r.IsDBNull(1) ? 0 : L(r, 1)),
            "SELECT COUNT(*), SUM(CASE WHEN last_ms >= @d THEN 1 ELSE 0 END) FROM volunteers", ("@d", day)))[0];
        long total = Convert.ToInt64(await ScalarAsync(c, null, t, "SELECT COUNT(*) FROM classifications"), CultureInfo.InvariantCulture);
        var perHour = await QueryAsync(c, null, t, r => (L(r, 0) * 3600_000L, L(r, 1)),
            "SELECT created_ms / 3600000, COUNT(*) FROM classifications WHERE created_ms >= @d GROUP BY created_ms / 3600000 ORDER BY 1", ("@d", day));
        long lastHour = Convert.ToInt64(await ScalarAsync(c, null, t, "SELECT COUNT(*) FROM classifications WHERE created_ms >= @h", ("@h", nowMs - 3600_000L)), CultureInfo.InvariantCulture);
        return new ProgressStats((int)counts[0], (int)counts[1], (int)counts[2], (int)counts[3], (int)counts[4], (int)counts[5],
            (int)vol.Item1, (int)vol.Item2, total, lastHour, perHour);
    }, ct);

    // ---- reports and rescoring ------------------------------------------------------

    public Task AddReportAsync(long volunteerId, long subjectId, string comment, long createdMs, CancellationToken ct = default) => WriteAsync(async (c, tx, t) =>
    {
        if (await ScalarAsync(c, tx, t, "SELECT id FROM subjects WHERE id = @s", ("@s", subjectId)) == null) throw new KeyNotFoundException("no such subject");
        return await ExecAsync(c, tx, t, "INSERT INTO reports (volunteer_id, subject_id, comment, created_ms) VALUES (@v, @s, @c, @t)",
            ("@v", volunteerId), ("@s", subjectId), ("@c", comment), ("@t", createdMs));
    }, ct);

    public Task<IReadOnlyList<Report>> ReportsAsync(int limit, CancellationToken ct = default) => ReadAsync(async (c, t) =>
        (IReadOnlyList<Report>)await QueryAsync(c, null, t, r => new Report(L(r, 0), L(r, 1), L(r, 2), r.GetString(3), L(r, 4)),
            "SELECT id, volunteer_id, subject_id, comment, created_ms FROM reports ORDER BY id DESC LIMIT @n", ("@n", (long)Math.Clamp(limit, 1, 10000))), ct);

    public Task WriteScoresAsync(IReadOnlyDictionary<long, SubjectState> subjects, IReadOnlyDictionary<long, AgentState> agents, CancellationToken ct = default) => WriteAsync(async (c, tx, t) =>
    {
        foreach (var (id, s) in subjects)
            await ExecAsync(c, tx, t, "UPDATE subjects SET posterior = @p, votes = @n, status = @st WHERE id = @id",
                ("@p", s.Posterior), ("@n", (long)s.Votes), ("@st", (long)s.Status), ("@id", id));
        foreach (var (id, a) in agents)
            await ExecAsync(c, tx, t, "UPDATE volunteers SET lens_seen = @a, lens_said_lens = @b, not_seen = @c, not_said_not = @d WHERE id = @id",
                ("@a", (long)a.LensSeen), ("@b", (long)a.LensSaidLens), ("@c", (long)a.NotSeen), ("@d", (long)a.NotSaidNot), ("@id", id));
        return 0;
    }, ct);
}
