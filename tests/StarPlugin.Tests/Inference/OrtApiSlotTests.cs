using System.Reflection;
using System.Text.RegularExpressions;
using StarPlugin.Inference;

namespace StarPlugin.Tests.Inference;

/// <summary>
/// Our hand-made OrtApi binding against the C header of the ONNX Runtime build we ship
/// (from its NuGet package): every slot we read must hold the function we think it does.
/// </summary>
public class OrtApiSlotTests
{
    private static string Metadata(string key) =>
        typeof(OrtApiSlotTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    /// <summary>The OrtApi struct's members in declaration order, from onnxruntime_c_api.h.</summary>
    private static List<string> HeaderSlots()
    {
        string header = File.ReadAllText(Metadata("OnnxRuntimeCApiHeader"));
        int start = header.IndexOf("struct OrtApi {", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), "no struct OrtApi in the header");
        int depth = 0, end = start;
        for (; end < header.Length; end++)
        {
            if (header[end] == '{') depth++;
            else if (header[end] == '}' && --depth == 0) break;
        }
        string body = header[start..end];
        body = Regex.Replace(body, @"/\*.*?\*/", "", RegexOptions.Singleline);
        body = Regex.Replace(body, @"//[^\n]*", "");
        // Members are ORT_API2_STATUS(Name, ...), ORT_CLASS_RELEASE(X) (= ReleaseX), or
        // plain function pointers: type(ORT_API_CALL* Name)(...).
        return Regex.Matches(body, @"ORT_API2_STATUS\(\s*(\w+)|ORT_CLASS_RELEASE2?\(\s*(\w+)\s*\)|ORT_API_CALL\s*\*\s*(\w+)\s*\)|ORT_API_T\([^,]*,\s*(\w+)")
            .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? "Release" + m.Groups[2].Value : m.Groups[3].Success ? m.Groups[3].Value : m.Groups[4].Value)
            .ToList();
    }

    [Test]
    public void HeaderParsesAsOnnxRuntimePinsIt()
    {
        // onnxruntime_c_api.cc pins these slots with static_asserts: the parse must agree.
        var slots = HeaderSlots();
        Assert.That(slots[101], Is.EqualTo("ReleaseCustomOpDomain"));
        Assert.That(slots[118], Is.EqualTo("ReleaseModelMetadata"));
        Assert.That(slots[124], Is.EqualTo("AddFreeDimensionOverrideByName"));
        Assert.That(slots[126], Is.EqualTo("ReleaseAvailableProviders"));
    }

    [Test]
    public void EverySlotWeReadHoldsTheFunctionWeCall()
    {
        var slots = HeaderSlots();
        foreach (var (name, slot) in OrtApiTable.Slots)
            Assert.That(slots[slot], Is.EqualTo(name), $"slot {slot}");
    }

    [Test]
    public void TheLibraryLoadedIsTheBuildWeShip()
    {
        Assert.That(OrtLibrary.Api.Version, Is.EqualTo(Metadata("OnnxRuntimeVersion")));
        Assert.That(OrtLibrary.ApiVersion, Is.LessThanOrEqualTo(uint.Parse(Regex.Match(File.ReadAllText(Metadata("OnnxRuntimeCApiHeader")), @"#define ORT_API_VERSION (\d+)").Groups[1].Value)));
    }
}
