namespace StarPlugin.Testing;

/// <summary>
/// The repository's root, for tests and benches that run from their build folder:
/// the nearest folder above the program's own (AppContext.BaseDirectory) that holds
/// StarPlugin.sln. The one walk up the folders: each project links this file
/// (&lt;Compile Include="..\Shared\RepoRoot.cs" Link="Shared\RepoRoot.cs" /&gt;)
/// instead of keeping a copy. Shipped code never looks for the repository.
/// </summary>
internal static class RepoRoot
{
    public const string Marker = "StarPlugin.sln";

    /// <summary>The root; DirectoryNotFoundException when no folder above holds StarPlugin.sln.</summary>
    public static string Find() => Above(AppContext.BaseDirectory)
        ?? throw new DirectoryNotFoundException($"repository root not found: no folder above {AppContext.BaseDirectory} holds {Marker}");

    /// <summary>The nearest folder at or above <paramref name="start"/> that holds StarPlugin.sln, or null.</summary>
    public static string? Above(string start)
    {
        for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, Marker))) return dir.FullName;
        return null;
    }
}
