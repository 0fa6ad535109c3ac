using StarPlugin.Evaluation;
using StarPlugin.Web.Features;
using StarPlugin.Web.Hosting;
using StarPlugin.Web.Project;
using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Tests.Support;

public static class Projects
{
    /// <summary>Imports n generated cutouts (half label 0, half unknown) and the given number of mocks.</summary>
    public static async Task<ImportResult> SeedAsync(LensFinderState state, int n = 12, int mocks = 4)
    {
        var (dir, labels) = TestData.Folder(TestData.TempDir("src"), n);
        try { return await new ProjectImporter(state.Folder, state.Store).ImportAsync(dir, labels, mocks, 3, state.Settings); }
        finally { Directory.Delete(dir, true); }
    }

    public static async Task<Volunteer> ScientistAsync(LensFinderState state, string name = "sci", string password = "correct horse battery") =>
        await state.Store.CreateVolunteerAsync(name, AuthEndpoints.Hash(password), Role.Scientist, guest: false);

    /// <summary>
    /// Subjects without image files for engine-only tests (crowd, load): they point at one shared cutout.
    /// </summary>
    public static async Task<IReadOnlyList<long>> AddBareSubjectsAsync(ILensStore store, ProjectFolder folder, SwapSettings settings, IReadOnlyList<(string Key, int Truth)> subjects)
    {
        string file = Path.Combine(folder.Images, "shared.png");
        if (!File.Exists(file)) StarPlugin.IO.ImageFile.Write(file, TestData.Cutout(32, 1), new StarPlugin.IO.WriteOptions { Depth = StarPlugin.Imaging.SampleFormat.UInt8 });
        var list = subjects.Select(s => new NewSubject(s.Key, "images/shared.png", 32, 32, s.Truth, null, null, null)).ToList();
        return await store.AddSubjectsAsync(list, settings);
    }
}
