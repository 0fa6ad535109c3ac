using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StarPlugin.Lensing;
using StarPlugin.Native.Interop;

namespace StarPlugin.Native.Exports;

[StructLayout(LayoutKind.Sequential)]
internal struct SpLensParams
{
    public double EinsteinRadius, AxisRatio, PositionAngle, CenterX, CenterY, Shear, ShearAngle;
    public double SourceRe, SourceN, SourceQ, SourceAngle, SourceDx, SourceDy, ArcSnr, SourceFlux, PsfFwhm;
    public ulong Seed;
}

[StructLayout(LayoutKind.Sequential)]
internal struct SpLensResult { public double Magnification, ArcSnr, EinsteinRadiusPx, CenterX, CenterY; }

/// <summary>Mock strong lenses rendered into a caller's image in place.</summary>
internal static unsafe class LensExports
{
    [UnmanagedCallersOnly(EntryPoint = "sp_render_mock_lens")]
    public static int Render(SpImage* image, SpLensParams* parameters, SpLensResult* result) => Boundary.Guard("sp_render_mock_lens", () =>
    {
        NativeImage.Validate(image, "image");
        if (parameters == null) throw new ArgumentProblem("params is NULL");
        var p = *parameters;
        foreach (var v in new[] { p.EinsteinRadius, p.AxisRatio, p.PositionAngle, p.CenterX, p.CenterY, p.Shear, p.ShearAngle, p.SourceRe, p.SourceN, p.SourceQ, p.SourceAngle, p.SourceDx, p.SourceDy, p.ArcSnr, p.SourceFlux, p.PsfFwhm })
            if (!double.IsFinite(v)) throw new ArgumentProblem("params holds a NaN or infinite value");
        var img = NativeImage.Read(image, 0, 0, image->Width, image->Height);
        var options = new MockLensOptions
        {
            EinsteinRadius = p.EinsteinRadius, AxisRatio = p.AxisRatio == 0 ? 1 : p.AxisRatio, PositionAngle = p.PositionAngle,
            CenterX = p.CenterX < 0 ? double.NaN : p.CenterX, CenterY = p.CenterY < 0 ? double.NaN : p.CenterY,
            Shear = p.Shear, ShearAngle = p.ShearAngle,
            SourceRadius = p.SourceRe > 0 ? p.SourceRe : 1.5, SourceIndex = p.SourceN > 0 ? p.SourceN : 1,
            SourceAxisRatio = p.SourceQ > 0 ? p.SourceQ : 1, SourceAngle = p.SourceAngle, SourceOffsetX = p.SourceDx, SourceOffsetY = p.SourceDy,
            ArcSnr = p.ArcSnr, SourceFlux = p.SourceFlux, PsfFwhm = p.PsfFwhm, Seed = p.Seed,
        };
        var (lensed, record) = MockLensInjector.Inject(img, options);
        NativeImage.Write(image, lensed, 0, 0);
        if (result != null)
            *result = new SpLensResult { Magnification = record.Magnification, ArcSnr = record.ArcSnr, EinsteinRadiusPx = record.EinsteinRadiusPx, CenterX = record.CenterX, CenterY = record.CenterY };
        return Status.Ok;
    });
}
