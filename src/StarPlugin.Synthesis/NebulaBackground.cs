namespace StarPlugin.Synthesis;

/// <summary>
/// A star-free sky: sky level, a linear gradient, vignetting and structured
/// emission clouds (domain-warped fBm) cut by dark dust lanes. Values are in
/// electrons per pixel. Rows render in parallel and deterministically.
/// </summary>
public sealed record NebulaBackground
{
    public float Sky { get; init; } = 400f;
    public float GradientAmplitude { get; init; } = 150f;
    public float GradientAngle { get; init; } = 0.7f;
    public float Vignetting { get; init; } = 0.05f;
    /// <summary>Peak brightness of the clouds in electrons; 0 = flat sky.</summary>
    public float NebulaAmplitude { get; init; } = 3000f;
    /// <summary>Size of the largest cloud structures in pixels.</summary>
    public float NebulaScale { get; init; } = 700f;
    public float DustDepth { get; init; } = 0.6f;
    public int Seed { get; init; } = 1;

    /// <summary>Renders one channel; <paramref name="channelWeight"/> tints clouds per channel (e.g. Hα red, OIII teal).</summary>
    public void Render(Span<float> plane, int width, int height, float channelWeight = 1f, float oiiiWeight = 0f)
    {
        // The clouds' finest octave is NebulaScale/32 px: evaluate them on a grid of that
        // order (up to 4 px) and interpolate, which is 4-16× cheaper and looks the same.
        int step = Math.Clamp((int)(NebulaScale / 80f), 1, 4);
        int gw = (width + step - 1) / step + 2, gh = (height + step - 1) / step + 2;
        var clouds = new float[gw * gh];
        if (NebulaAmplitude > 0)
        {
            var noise = new ValueNoise(Seed);
            var oiii = new ValueNoise(Seed + 101);
            var dust = new ValueNoise(Seed + 202);
            float scale = 1f / NebulaScale;
            Parallel.For(0, gh, gy =>
            {
                for (int gx = 0; gx < gw; gx++)
                {
                    float px = gx * step * scale, py = gy * step * scale;
                    float hh = MathF.Max(0f, noise.Warped(px, py, 6, 1.6f) + 0.15f);
                    float o = MathF.Max(0f, oiii.Warped(px * 1.3f + 3f, py * 1.3f, 5, 1.2f));
                    float lane = MathF.Max(0f, dust.Warped(px * 1.7f, py * 1.7f, 5, 2.2f) - 0.1f);
                    float cloud = channelWeight * hh * hh * 2.5f + oiiiWeight * o * o * 2f;
                    clouds[gy * gw + gx] = NebulaAmplitude * cloud * MathF.Max(0f, 1f - DustDepth * MathF.Min(1f, lane * 3f));
                }
            });
        }
        float gxDir = MathF.Cos(GradientAngle), gyDir = MathF.Sin(GradientAngle);
        var buffer = new float[plane.Length];
        float inv = 1f / step;
        Parallel.For(0, height, y =>
        {
            float fy = y * inv; int y0 = (int)fy; float ty = fy - y0;
            for (int x = 0; x < width; x++)
            {
                float nx = (x - width * 0.5f) / Math.Max(width, height), ny = (y - height * 0.5f) / Math.Max(width, height);
                float v = Sky * (1f - Vignetting * 4f * (nx * nx + ny * ny)) + GradientAmplitude * (0.5f + nx * gxDir + ny * gyDir);
                float fx = x * inv; int x0 = (int)fx; float tx = fx - x0;
                int i = y0 * gw + x0;
                float top = clouds[i] + (clouds[i + 1] - clouds[i]) * tx, bottom = clouds[i + gw] + (clouds[i + gw + 1] - clouds[i + gw]) * tx;
                buffer[y * width + x] = v + top + (bottom - top) * ty;
            }
        });
        buffer.CopyTo(plane);
    }
}
