using System.Text.Json.Serialization;

namespace StarPlugin.Web.Features;

// Requests and answers of the JSON API (docs/api.md). Names are snake_case on the wire.

public sealed record SessionRequest(bool Guest, string? Name, string? Password);
public sealed record SignUpRequest(string? Name, string? Password);
public sealed record SessionInfo(long Id, string? Name, string Role, bool Guest);
public sealed record TokenInfo(string Token);
public sealed record ErrorInfo(string Error);

public sealed record NextSubject(long SubjectId, string ImageUrl, string BrighterUrl, int Width, int Height);
public sealed record ClassificationRequest(long SubjectId, int? Label, double? X, double? Y);
public sealed record SkillInfo(double PLens, double PNotLens, double BitsPerDecision, int TrainingVotes);
public sealed record Feedback(long ClassificationId, bool Training, int? Truth, bool? Correct, bool? Hit, string? ArcUrl, SkillInfo Skill);
public sealed record ReportRequest(long SubjectId, string? Comment);

public sealed record Confusion(int Tp, int Fn, int Fp, int Tn, double Accuracy, double Precision, double Recall, double F1);
public sealed record SkillPoint(int TrainingVotes, double Accuracy, double PLens, double PNotLens, double BitsPerDecision);
public sealed record Decision(long Id, long SubjectId, string ImageUrl, int Label, long At, bool Training, int? Truth, bool? Correct, bool? Hit);
public sealed record MeInfo(long Id, string? Name, string Role, bool Guest, int Classified, Confusion Training, SkillInfo Skill, int ArcClicks, int ArcHits,
    IReadOnlyList<SkillPoint> History, IReadOnlyList<Decision> Decisions);

public sealed record TeachingExample(long SubjectId, string ImageUrl, string? ArcUrl, string Category);
public sealed record TeachingInfo(IReadOnlyList<TeachingExample> Lenses, IReadOnlyList<TeachingExample> Lookalikes, IReadOnlyList<long> Practice);

public sealed record VoteInfo(long ClassificationId, long VolunteerId, string? VolunteerName, int Label, double? PosteriorAfter, long At, bool? Hit);
public sealed record SubjectDetail(long Id, string Key, string File, int Truth, string? Category, double Posterior, int Votes, string Status, string ImageUrl,
    string? ArcUrl, string? MockRecord, IReadOnlyList<VoteInfo> History);
public sealed record Candidate(int Rank, long SubjectId, string Key, double Posterior, int Votes, string Status, string ImageUrl, IReadOnlyList<VoteInfo>? History);
public sealed record HourCount(long Hour, long Count);
public sealed record ProgressInfo(int Subjects, int Training, int Unknown, int Seen, int RetiredLens, int RetiredNotLens, int Volunteers, int ActiveVolunteers,
    long Classifications, long ClassificationsLastHour, IReadOnlyList<HourCount> PerHour, double Prior, double RejectThreshold, double DetectThreshold);
public sealed record VolunteerInfo(long Id, string? Name, bool Guest, string Role, int Classified, double PLens, double PNotLens, double BitsPerDecision, int TrainingVotes);
public sealed record ReportInfo(long Id, long VolunteerId, long SubjectId, string Comment, long At);
public sealed record ImportInfo(string Batch, int Training, int Unknown, int Mocks, int Subjects);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SessionRequest))]
[JsonSerializable(typeof(SignUpRequest))]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(TokenInfo))]
[JsonSerializable(typeof(ErrorInfo))]
[JsonSerializable(typeof(NextSubject))]
[JsonSerializable(typeof(ClassificationRequest))]
[JsonSerializable(typeof(Feedback))]
[JsonSerializable(typeof(ReportRequest))]
[JsonSerializable(typeof(MeInfo))]
[JsonSerializable(typeof(TeachingInfo))]
[JsonSerializable(typeof(SubjectDetail))]
[JsonSerializable(typeof(List<Candidate>))]
[JsonSerializable(typeof(ProgressInfo))]
[JsonSerializable(typeof(List<VolunteerInfo>))]
[JsonSerializable(typeof(List<ReportInfo>))]
[JsonSerializable(typeof(ImportInfo))]
public sealed partial class LensJsonContext : JsonSerializerContext;
