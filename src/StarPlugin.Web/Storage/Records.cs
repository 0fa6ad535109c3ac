using StarPlugin.Evaluation;

namespace StarPlugin.Web.Storage;

public enum Role { Volunteer = 0, Scientist = 1 }

/// <summary>A person (or guest) who classifies; the counts are their SWAP confusion matrix.</summary>
public sealed record Volunteer(long Id, string? Name, string? PasswordHash, Role Role, bool Guest, long CreatedMs, AgentState Agent, int Classified, long? LastMs);

/// <summary>Label of a subject: 0 checked non-lens, 1 mock lens (both training), -1 unknown (the search).</summary>
public static class Labels
{
    public const int NotLens = 0, Lens = 1, Unknown = -1;
    public static bool IsTraining(int truth) => truth is NotLens or Lens;
}

/// <summary>An image to classify. File is relative to the project's data folder.</summary>
public sealed record Subject(long Id, string Key, string File, int Width, int Height, int Truth, string? Category, string? MockJson, byte[]? ArcMask,
    SubjectState State, long CreatedMs)
{
    public bool IsTraining => Labels.IsTraining(Truth);
}

public sealed record NewSubject(string Key, string File, int Width, int Height, int Truth, string? Category, string? MockJson, byte[]? ArcMask);

public sealed record NewClassification(long VolunteerId, long SubjectId, int Label, double? X, double? Y, bool? Hit, long CreatedMs);

/// <summary>A stored classification, with the subject's posterior right after it (unknown images only).</summary>
public sealed record ClassificationRow(long Id, long VolunteerId, long SubjectId, int Label, double? X, double? Y, bool? Hit, long CreatedMs, double? PosteriorAfter, int SubjectTruth);

/// <summary>What one classification changed: the classifier's matrix on a training image, the image's consensus otherwise.</summary>
public sealed record ClassifyOutcome(long ClassificationId, AgentState Agent, SubjectState? Subject, int Truth);

public sealed record ProgressStats(int Subjects, int Training, int Unknown, int Seen, int RetiredLens, int RetiredNotLens, int Volunteers, int ActiveVolunteers,
    long Classifications, long ClassificationsLastHour, IReadOnlyList<(long HourMs, long Count)> PerHour);

public sealed record Report(long Id, long VolunteerId, long SubjectId, string Comment, long CreatedMs);

/// <summary>A name or a vote that the store refused because it already exists.</summary>
public sealed class DuplicateException(string message) : Exception(message);
