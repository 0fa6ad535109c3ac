using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using StarPlugin.Imaging;

namespace StarPlugin.IO;

/// <summary>
/// A sample that the output's type cannot hold: out of its range, or NaN/Inf in an
/// integer type. Raised before any byte is written; the message names the fix.
/// </summary>
public sealed class SampleRangeException(string message) : ImageFormatException(message);

/// <summary>
/// Float ⇄ stored sample conversion. Pictures: white = 1.0 (÷255, ÷65535). Astronomical
/// integer data (<see cref="ImageMetadata.IsPhysical"/>) keeps its physical integers in
/// any integer type at least as wide as its own; a narrower type gets a white-to-white
/// depth reduction. Nothing is clipped: a value the type cannot hold is an error.
/// </summary>
internal static class SampleConversion
{
    public const float U8Scale = 255f;
    public const float U16Scale = 65535f;

    /// <summary>Round-to-nearest after clamping to [0,1]; NaN becomes 0. For lossy pictures only (JPEG).</summary>
    public static byte ToU8(float v) => float.IsNaN(v) ? (byte)0 : (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * U8Scale);

    public static int BytesPerSample(SampleFormat f) => f switch
    {
        SampleFormat.UInt8 => 1,
        SampleFormat.UInt16 or SampleFormat.Int16 => 2,
        SampleFormat.UInt32 or SampleFormat.Int32 or SampleFormat.Float32 => 4,
        SampleFormat.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "no storage size"),
    };

    public static bool IsInteger(SampleFormat f) => f is SampleFormat.UInt8 or SampleFormat.UInt16 or SampleFormat.Int16 or SampleFormat.UInt32 or SampleFormat.Int32;

    /// <summary>What readers divide integers of this type by, and what 1.0 becomes in it (1 for floats).</summary>
    public static double White(SampleFormat f) => f switch
    {
        SampleFormat.UInt8 => 255.0,
        SampleFormat.UInt16 or SampleFormat.Int16 => 65535.0,
        SampleFormat.UInt32 or SampleFormat.Int32 => 4294967295.0,
        _ => 1.0,
    };

    /// <summary>The values an integer type holds.</summary>
    public static (long Min, long Max) Range(SampleFormat f) => f switch
    {
        SampleFormat.UInt8 => (0, 255),
        SampleFormat.UInt16 => (0, 65535),
        SampleFormat.Int16 => (short.MinValue, short.MaxValue),
        SampleFormat.UInt32 => (0, uint.MaxValue),
        SampleFormat.Int32 => (int.MinValue, int.MaxValue),
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "not an integer type"),
    };

    public static string Describe(SampleFormat f) => f switch
    {
        SampleFormat.UInt8 => "8-bit unsigned",
        SampleFormat.UInt16 => "16-bit unsigned",
        SampleFormat.Int16 => "16-bit signed",
        SampleFormat.UInt32 => "32-bit unsigned",
        SampleFormat.Int32 => "32-bit signed",
        SampleFormat.Float32 => "32-bit float",
        _ => "64-bit float",
    };

    private static int Bits(SampleFormat f) => f is SampleFormat.Unknown ? 0 : BytesPerSample(f) * 8;

    /// <summary>
    /// Factor from samples to the integers of <paramref name="target"/>: for data with units,
    /// the physical scale when the target is wider than the source (so ADU stay ADU); else
    /// the target's white, which readers divide by (for the same width the two agree; a
    /// narrower target is a depth reduction, white to white). Signed types share the
    /// white of their width, as FITS int16 and uint16 do.
    /// </summary>
    public static double IntegerFactor(ImageMetadata md, SampleFormat target) =>
        md.IsPhysical && Bits(target) > Bits(md.SourceFormat) ? md.PhysicalScale : White(target);

    /// <summary>What float outputs store: physical values.</summary>
    public static double FloatFactor(ImageMetadata md) => md.PhysicalScale;
}

/// <summary>
/// stored = round((sample × Factor − Zero) / Scale), checked against [Min, Max] before
/// anything is written; NaN becomes <see cref="Blank"/> where the format has one (FITS
/// integers), else is an error.
/// </summary>
internal sealed class IntegerEncoder
{
    public double Factor { get; private set; }
    public double Zero { get; }
    public double Scale { get; }
    public long Min { get; }
    public long Max { get; }
    public long? Blank { get; private set; }

    public IntegerEncoder(double factor, double zero, double scale, long min, long max)
    {
        Factor = factor; Zero = zero; Scale = scale; Min = min; Max = max;
    }

    /// <summary>For TIFF and PNG: the target type's own values, no offset.</summary>
    public static IntegerEncoder For(ImageMetadata md, SampleFormat target)
    {
        var (min, max) = SampleConversion.Range(target);
        return new IntegerEncoder(SampleConversion.IntegerFactor(md, target), 0, 1, min, max);
    }

    public long Encode(float v) => float.IsNaN(v) ? Blank!.Value : (long)Math.Round((v * Factor - Zero) / Scale);

    private double Stored(double v, double factor) => Math.Round((v * factor - Zero) / Scale);

    /// <summary>
    /// Scans the samples before anything is written. Values outside the type are an error
    /// naming the fix, except float data of whole numbers (counts, e.g. ADU that went through
    /// a float file) that the type holds as they are: those are stored unchanged
    /// (<paramref name="countsAllowed"/>; the white-point mapping could only have failed).
    /// NaN takes a free stored value as BLANK when <paramref name="blankCandidates"/> are
    /// given (the first one no finite sample uses), else is an error.
    /// </summary>
    public void Check(ReadOnlySpan<float> samples, string format, SampleFormat target, bool countsAllowed, IReadOnlyList<long>? blankCandidates = null)
    {
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        long nan = 0, inf = 0;
        bool whole = true;
        int i = 0;
        // Every integer file written scans its samples here first, on one core (9 ms of a
        // 1 Mpx RGBA PNG scalar): lanes count and bound as the loop below does.
        if (Vector256.IsHardwareAccelerated && samples.Length >= Vector256<float>.Count)
        {
            var vlo = Vector256.Create(float.PositiveInfinity); var vhi = Vector256.Create(float.NegativeInfinity);
            var nans = Vector256<long>.Zero; var infs = Vector256<long>.Zero;
            var fraction = Vector256<float>.Zero;
            ref float d = ref MemoryMarshal.GetReference(samples);
            for (; i <= samples.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var x = Vector256.LoadUnsafe(ref d, (nuint)i);
                var finite = Vector256.Equals(x - x, Vector256<float>.Zero);
                var isNan = ~Vector256.Equals(x, x);
                // Each true lane is −1 as an integer; widened so no count can wrap.
                var (nanLo, nanHi) = Vector256.Widen(isNan.AsInt32());
                var (infLo, infHi) = Vector256.Widen((~finite & ~isNan).AsInt32());
                nans -= nanLo + nanHi; infs -= infLo + infHi;
                vlo = Vector256.ConditionalSelect(finite, Vector256.Min(vlo, x), vlo);
                vhi = Vector256.ConditionalSelect(finite, Vector256.Max(vhi, x), vhi);
                // Any finite lane off a whole number leaves a set bit here.
                fraction |= finite & ~Vector256.Equals(x, Vector256.Round(x));
            }
            nan = Vector256.Sum(nans); inf = Vector256.Sum(infs);
            whole = fraction.AsInt32() == Vector256<int>.Zero;
            for (int k = 0; k < Vector256<float>.Count; k++) { lo = Math.Min(lo, vlo[k]); hi = Math.Max(hi, vhi[k]); }
        }
        foreach (float v in samples[i..])
        {
            if (float.IsNaN(v)) { nan++; continue; }
            if (float.IsInfinity(v)) { inf++; continue; }
            if (v < lo) lo = v;
            if (v > hi) hi = v;
            if (whole && v != MathF.Round(v)) whole = false;
        }
        string type = SampleConversion.Describe(target);
        if (inf > 0)
            throw new SampleRangeException($"{format}: {inf} infinite samples cannot be stored as {type} integers; {Remedy(format)}");
        bool Fits(double factor)
        {
            double a = Stored(lo, factor), b = Stored(hi, factor);
            return Math.Min(a, b) >= Min && Math.Max(a, b) <= Max;
        }
        if (lo <= hi && !Fits(Factor))
        {
            if (countsAllowed && whole && Factor != 1 && Fits(1)) Factor = 1;
            else
            {
                double a = Stored(lo, Factor), b = Stored(hi, Factor);
                // The data's own values first; where 1.0 is scaled to the type's white, what they become.
                string scaled = Factor != 1 ? string.Create(CultureInfo.InvariantCulture, $" ({Physical(Math.Min(a, b))}..{Physical(Math.Max(a, b))} once 1.0 is scaled to {Factor:G6})") : "";
                throw new SampleRangeException(string.Create(CultureInfo.InvariantCulture,
                    $"{format}: values {lo:G7}..{hi:G7}{scaled} do not fit {type} integers ({Physical(Min)}..{Physical(Max)}); {Remedy(format)} to keep them"));
            }
        }
        if (nan == 0) return;
        if (blankCandidates is { Count: > 0 })
        {
            // Only now, and only for the few candidates: which of them a finite sample uses.
            var used = new HashSet<long>();
            foreach (float v in samples)
                if (float.IsFinite(v)) { long st = (long)Stored(v, Factor); if (blankCandidates.Contains(st)) used.Add(st); }
            foreach (long c in blankCandidates)
                if (!used.Contains(c)) { Blank = c; return; }
        }
        throw new SampleRangeException($"{format}: {nan} blank (NaN) samples cannot be stored as {type} integers{(blankCandidates is { Count: > 0 } ? " (every candidate BLANK value is taken)" : "")}; {Remedy(format)}");
    }

    /// <summary>The fix to name: a float file of this format, or of another where this one has no floats.</summary>
    private static string Remedy(string format) => format is "PNG" or "JPEG"
        ? $"{format} holds no floats: write a TIFF or FITS file with --depth f32"
        : "write a float file (--depth f32)";

    /// <summary>A stored value in the units the user knows (BZERO/BSCALE applied), for messages.</summary>
    private string Physical(double stored) => (Zero + Scale * stored).ToString("G10", CultureInfo.InvariantCulture);
}
