using System.Text.RegularExpressions;
using StarPlugin.Testing;

namespace StarPlugin.Tests.Support;

/// <summary>
/// The walk up the folders to the repository's root has one home, tests/Shared/RepoRoot.cs,
/// linked into every project that needs it: no test project or bench keeps a copy.
/// </summary>
public class RepoRootTests
{
    private static IEnumerable<string> Sources(string ext) =>
        Directory.EnumerateFiles(Repo.Path_("tests"), "*." + ext, SearchOption.AllDirectories)
            .Where(f => !Regex.IsMatch(f.Replace('\\', '/'), "/(bin|obj)/"));

    private static string Relative(string file) => Path.GetRelativePath(Repo.Root, file).Replace('\\', '/');

    [Test]
    public void OnlyTheSharedFileLooksForTheSolution()
    {
        // A copy walks up looking for the marker (or a parent folder by count): find both kinds
        // (this file, which names them, aside).
        var walkers = Sources("cs").Where(f => !f.EndsWith(nameof(RepoRootTests) + ".cs", StringComparison.Ordinal)).Where(f =>
        {
            string text = File.ReadAllText(f);
            return text.Contains("\"StarPlugin.sln\"") || Regex.IsMatch(text, @"\.Parent\b|GetDirectoryName\([^)]*TrimEnd");
        }).Select(Relative).Order().ToList();
        Assert.That(walkers, Is.EqualTo(new[] { "tests/Shared/RepoRoot.cs" }));
    }

    [TestCase("tests/StarPlugin.Tests/StarPlugin.Tests.csproj")]
    [TestCase("tests/StarPlugin.Web.Tests/StarPlugin.Web.Tests.csproj")]
    [TestCase("tests/bench/LensFinderBench/LensFinderBench.csproj")]
    public void ProjectsLinkTheSharedFile(string project)
    {
        var doc = System.Xml.Linq.XDocument.Load(Repo.Path_(project.Split('/')));
        var links = doc.Descendants("Compile").Where(e => e.Attribute("Link") != null)
            .Select(e => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Repo.Path_(project.Split('/')))!, ((string)e.Attribute("Include")!).Replace('\\', '/'))))
            .ToList();
        Assert.That(links, Does.Contain(Repo.Path_("tests", "Shared", "RepoRoot.cs")), project);
    }

    [Test]
    public void FindsTheNearestFolderWithTheSolution()
    {
        string root = RepoRoot.Find();
        Assert.That(File.Exists(Path.Combine(root, RepoRoot.Marker)), Is.True);
        Assert.That(AppContext.BaseDirectory, Does.StartWith(root + Path.DirectorySeparatorChar), "above the test binary");
        Assert.That(Repo.Root, Is.EqualTo(root));

        // Nested checkouts: the nearest one wins; none at all is null.
        string tmp = Directory.CreateTempSubdirectory("sp-root").FullName;
        try
        {
            string inner = Path.Combine(tmp, "outer", "inner"), deep = Path.Combine(inner, "a", "b", "c", "d", "e", "f", "g", "h", "i");
            Directory.CreateDirectory(deep);
            Assert.That(RepoRoot.Above(deep + Path.DirectorySeparatorChar), Is.Null);
            File.WriteAllText(Path.Combine(tmp, "outer", RepoRoot.Marker), "");
            Assert.That(RepoRoot.Above(deep), Is.EqualTo(Path.Combine(tmp, "outer")));
            File.WriteAllText(Path.Combine(inner, RepoRoot.Marker), "");
            Assert.That(RepoRoot.Above(deep + Path.DirectorySeparatorChar), Is.EqualTo(inner));
            Assert.That(RepoRoot.Above(inner), Is.EqualTo(inner));
        }
        finally { Directory.Delete(tmp, true); }
    }
}
