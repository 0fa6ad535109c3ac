using StarPlugin.Evaluation;

namespace StarPlugin.Web.Storage;

/// <summary>
/// Everything the platform stores. Two implementations: SQLite (one file beside the
/// data, WAL) and PostgreSQL (several server processes on one database). Every write
/// is committed before its task completes: an acknowledged write is durable.
/// </summary>
public interface ILensStore : IAsyncDisposable
{
    /// <summary>Creates the schema if absent (safe to call from several processes).</summary>
    Task InitializeAsync(CancellationToken ct = default);

    Task<SwapSettings?> GetSettingsAsync(CancellationToken ct = default);
    Task SetSettingsAsync(SwapSettings settings, CancellationToken ct = default);

    /// <summary>Throws <see cref="DuplicateException"/> when the name is taken.</summary>
    Task<Volunteer> CreateVolunteerAsync(string? name, string? passwordHash, Role role, bool guest, CancellationToken ct = default);
    Task<Volunteer?> GetVolunteerAsync(long id, CancellationToken ct = default);
    Task<Volunteer?> FindVolunteerAsync(string name, CancellationToken ct = default);
    Task SetPasswordHashAsync(long id, string hash, CancellationToken ct = default);
    Task<IReadOnlyList<Volunteer>> ListVolunteersAsync(CancellationToken ct = default);

    /// <summary>Adds subjects in one transaction: all or none. Throws <see cref="DuplicateException"/> on a repeated key.</summary>
    Task<IReadOnlyList<long>> AddSubjectsAsync(IReadOnlyList<NewSubject> subjects, SwapSettings settings, CancellationToken ct = default);
    Task<Subject?> GetSubjectAsync(long id, CancellationToken ct = default);
    /// <summary>Subjects by label (null: all), unknown ones by descending posterior.</summary>
    Task<IReadOnlyList<Subject>> ListSubjectsAsync(int? truth, int limit, int offset, CancellationToken ct = default);

    /// <summary>
    /// Up to <paramref name="count"/> subjects this volunteer has not classified: training
    /// ones of the given truth, or (truth null) active unknown ones in order of the information
    /// a vote brings (posterior nearest ½ first; see VoteInformation), then fewest votes.
    /// </summary>
    Task<IReadOnlyList<long>> QueueAsync(long volunteerId, int? trainingTruth, int count, CancellationToken ct = default);

    /// <summary>
    /// Stores a classification and applies the SWAP update in the same transaction.
    /// Throws <see cref="DuplicateException"/> if this volunteer already classified the subject.
    /// </summary>
    Task<ClassifyOutcome> ClassifyAsync(NewClassification c, SwapSettings settings, CancellationToken ct = default);
    Task<bool> HasClassifiedAsync(long volunteerId, long subjectId, CancellationToken ct = default);
    Task<IReadOnlyList<ClassificationRow>> VolunteerHistoryAsync(long volunteerId, CancellationToken ct = default);
    Task<IReadOnlyList<ClassificationRow>> SubjectVotesAsync(long subjectId, CancellationToken ct = default);
    /// <summary>Every classification in the order the engine applied them.</summary>
    Task<IReadOnlyList<ClassificationRow>> AllClassificationsAsync(CancellationToken ct = default);
    Task<long> CountClassificationsAsync(CancellationToken ct = default);

    Task<ProgressStats> ProgressAsync(long nowMs, CancellationToken ct = default);

    Task AddReportAsync(long volunteerId, long subjectId, string comment, long createdMs, CancellationToken ct = default);
    Task<IReadOnlyList<Report>> ReportsAsync(int limit, CancellationToken ct = default);

    /// <summary>Writes recomputed consensus and matrices back (after a settings change).</summary>
    Task WriteScoresAsync(IReadOnlyDictionary<long, SubjectState> subjects, IReadOnlyDictionary<long, AgentState> agents, CancellationToken ct = default);

    /// <summary>"ok" or the database's complaint.</summary>
    Task<string> IntegrityCheckAsync(CancellationToken ct = default);
}
