using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using StarPlugin.Evaluation;
using StarPlugin.Web.Hosting;
using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Features;

/// <summary>
/// The personal centre: every decision, scores on training images (confusion matrix,
/// accuracy, precision, recall, F1), the SWAP skill and its history. Only ever the
/// caller's own data.
/// </summary>
public static class MeEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me", async (HttpContext c, LensFinderState s) =>
        {
            if (Caller.Id(c) is not long me) return Caller.Error(401, "not signed in");
            var v = await s.Store.GetVolunteerAsync(me, c.RequestAborted);
            if (v == null) return Caller.Error(401, "unknown volunteer");
            var rows = await s.Store.VolunteerHistoryAsync(me, c.RequestAborted);
            return Results.Json(Build(v, rows), LensJsonContext.Default.MeInfo);
        });
    }

    public static MeInfo Build(Volunteer v, IReadOnlyList<ClassificationRow> rows)
    {
        int tp = 0, fn = 0, fp = 0, tn = 0, clicks = 0, hits = 0;
        var agent = default(AgentState);
        var history = new List<SkillPoint>();
        var decisions = new List<Decision>(rows.Count);
        foreach (var r in rows)
        {
            bool training = Labels.IsTraining(r.SubjectTruth);
            if (training)
            {
                if (r.SubjectTruth == 1) { if (r.Label == 1) tp++; else fn++; } else { if (r.Label == 1) fp++; else tn++; }
                agent = agent.Learn(r.SubjectTruth, r.Label);
                int n = tp + fn + fp + tn;
                history.Add(new SkillPoint(n, (double)(tp + tn) / n, agent.PLens, agent.PNotLens, agent.BitsPerDecision));
                if (r.Hit is bool h) { clicks++; if (h) hits++; }
            }
            decisions.Add(new Decision(r.Id, r.SubjectId, ClassifyEndpoints.ImageUrl(r.SubjectId), r.Label, r.CreatedMs, training,
                training ? r.SubjectTruth : null, training ? r.Label == r.SubjectTruth : null, r.Hit));
        }
        decisions.Reverse(); // newest first
        var m = new Evaluation.ClassificationMetrics(tp, fp, tn, fn, null);
        return new MeInfo(v.Id, v.Name, Caller.RoleName(v.Role), v.Guest, v.Classified,
            new Confusion(tp, fn, fp, tn, m.Accuracy, m.Precision, m.Recall, m.F1), ClassifyEndpoints.Skill(v.Agent), clicks, hits, history, decisions);
    }
}
