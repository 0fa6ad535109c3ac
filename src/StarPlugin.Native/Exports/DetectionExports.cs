using System.Runtime.InteropServices;
using StarPlugin.Detection;
using StarPlugin.Native.Interop;
using StarPlugin.Rendering;

namespace StarPlugin.Native.Exports;

/// <summary>sp_detect_options of ABI 3, byte for byte (frozen: 24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SpDetectOptions { public float Threshold, SnrThreshold, GMin, GMax, GStep; public int DesignSweep; }

[StructLayout(LayoutKind.Sequential)]
internal struct SpStar
{
    public double X, Y, Flux, Fwhm, Snr, Roundness;
    public float Coefficient, Brightness, Width;
    public int Row, Col, Saturated;
}

/// <summary>
/// Star detection and catalogue masks. Positions count columns and rows of the buffer as
/// the host passed it (row 0 = the first row in memory): a host holding FITS data in file
/// order (numpy, cfitsio) gets y = FITS row − 1, astropy's convention, with no flip; a host
/// that flipped the rows for display (GIMP) gets y from the top. Flux is in the buffer's units.
/// </summary>
internal static unsafe class DetectionExports
{
    [UnmanagedCallersOnly(EntryPoint = "sp_detect")]
    public static int Detect(SpImage* input, SpRect* roi, nint options, SpStar** stars, long* count,
        delegate* unmanaged<double, byte*, void*, int> progress, void* user) => Boundary.Guard("sp_detect", () =>
    {
        if (stars == null || count == null) throw new ArgumentProblem("stars or count is NULL");
        *stars = null; *count = 0;
        return DetectCore(input, roi, Settings.Detection(OptionsExports.Read(options)), stars, count, progress, user);
    });

    [UnmanagedCallersOnly(EntryPoint = "sp_detect_stars")]
    public static int DetectV3(SpImage* input, SpRect* roi, SpDetectOptions* options, SpStar** stars, long* count,
        delegate* unmanaged<double, byte*, void*, int> progress, void* user) => Boundary.Guard("sp_detect_stars", () =>
    {
        if (stars == null || count == null) throw new ArgumentProblem("stars or count is NULL");
        *stars = null; *count = 0;
        return DetectCore(input, roi, options == null ? new DetectionOptions() : ReadOptions(*options), stars, count, progress, user);
    });

    private static Status DetectCore(SpImage* input, SpRect* roi, DetectionOptions o, SpStar** stars, long* count,
        delegate* unmanaged<double, byte*, void*, int> progress, void* user)
    {
        NativeImage.Validate(input, "input");
        var (x0, y0, w, h) = NativeImage.Roi(roi, input->Width, input->Height);
        var found = CallingThread.Run(progress, user, cb => StarDetector.Detect(NativeImage.Read(input, x0, y0, w, h), o, cb));
        if (found.Count == 0) return Status.Ok;
        var array = (SpStar*)NativeMemory.Alloc((nuint)found.Count, (nuint)sizeof(SpStar));
        for (int i = 0; i < found.Count; i++)
        {
            var s = found[i];
            array[i] = new SpStar
            {
                X = s.X + x0, Y = s.Y + y0, Flux = s.Flux, Fwhm = s.Fwhm, Snr = s.Snr, Roundness = s.Roundness,
                Coefficient = s.Coefficient, Brightness = s.Brightness, Width = s.Width,
                Row = s.Row + y0, Col = s.Col + x0, Saturated = s.Saturated ? 1 : 0,
            };
        }
        *stars = array; *count = found.Count;
        return Status.Ok;
    }

    /// <summary>The frozen ABI 3 struct; 0 means the default for each field.</summary>
    private static DetectionOptions ReadOptions(SpDetectOptions v)
    {
        var d = v.DesignSweep != 0 ? DetectionOptions.DesignSweep : new DetectionOptions();
        var o = d with
        {
            Threshold = v.Threshold != 0 ? v.Threshold : d.Threshold,
            SnrThreshold = v.SnrThreshold != 0 ? v.SnrThreshold : d.SnrThreshold,
            GMin = v.GMin != 0 ? v.GMin : d.GMin,
            GMax = v.GMax != 0 ? v.GMax : d.GMax,
            GStep = v.GStep != 0 ? v.GStep : d.GStep,
        };
        try { o.Validate(); } catch (ArgumentException e) { throw new ArgumentProblem("options: " + e.Message); }
        return o;
    }

    [UnmanagedCallersOnly(EntryPoint = "sp_free_stars")]
    public static void Free(SpStar* stars)
    {
        if (stars != null) NativeMemory.Free(stars);
    }

    [UnmanagedCallersOnly(EntryPoint = "sp_detect_mask")]
    public static int Mask(SpStar* stars, long count, SpImage* mask) => Boundary.Guard("sp_detect_mask", () =>
    {
        NativeImage.Validate(mask, "mask", channels: 1);
        if (count < 0 || (count > 0 && stars == null)) throw new ArgumentProblem("stars is NULL or count is negative");
        if (count > 100_000_000) throw new ArgumentProblem("count is absurd");
        var list = new List<DetectedStar>((int)count);
        for (long i = 0; i < count; i++)
        {
            var s = stars[i];
            list.Add(new DetectedStar(s.Row, s.Col, s.Coefficient, s.Brightness, s.X, s.Y, s.Flux, s.Fwhm, s.Snr, s.Roundness, s.Width, s.Saturated != 0));
        }
        NativeImage.Write(mask, StarOverlay.Mask(mask->Width, mask->Height, list), 0, 0);
        return Status.Ok;
    });
}
