namespace StarPlugin.Tests.Support;

/// <summary>A test class whose tests each get a fresh temporary folder, removed afterwards.</summary>
public abstract class TempFolderTest
{
    protected string Dir { get; private set; } = "";

    [SetUp] public void MakeFolder() => Dir = Directory.CreateTempSubdirectory("sp-test").FullName;
    [TearDown] public void RemoveFolder() => Directory.Delete(Dir, true);
}
