using StarPlugin.Imaging;

namespace StarPlugin.IO;

/// <summary>Float ⇄ integer sample conversion with the white point at 1.0.</summary>
internal static class SampleConversion
{
    public const float U8Scale = 255f;
    public const float U16Scale = 65535f;

    /// <summary>Round-to-nearest after clamping to [0,1]; NaN becomes 0.</summary>
    public static byte ToU8(float v) => float.IsNaN(v) ? (byte)0 : (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * U8Scale);
    public static ushort ToU16(float v) => float.IsNaN(v) ? (ushort)0 : (ushort)MathF.Round(Math.Clamp(v, 0f, 1f) * U16Scale);

    public static int BytesPerSample(SampleFormat f) => f switch
    {
        SampleFormat.UInt8 => 1,
        SampleFormat.UInt16 or SampleFormat.Int16 => 2,
        SampleFormat.UInt32 or SampleFormat.Int32 or SampleFormat.Float32 => 4,
        SampleFormat.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "no storage size"),
    };
}
