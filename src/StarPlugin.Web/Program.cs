using StarPlugin.Web.Hosting;

namespace StarPlugin.Web;

/// <summary>Runs the server alone: `dotnet StarPlugin.Web.dll --data DIR [--urls URL] [--postgres CONNSTR]`.</summary>
public class Program
{
    public static void Main(string[] args) => LensFinderServer.Build(args).Run();
}
