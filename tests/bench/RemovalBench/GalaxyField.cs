using StarPlugin.Imaging;

namespace StarPlugin.Bench;

/// <summary>
/// How much of a galaxy field a star remover keeps. On a deep field nearly every object is
/// a galaxy, which a star remover must leave alone. Objects are segmented as SExtractor
/// does: 8-connected regions of the input's luminance above sky + 3σ, at least MinArea
/// pixels. Per object: the share of its light above the sky still in the starless image.
/// </summary>
internal static class GalaxyField
{
    public const int MinArea = 12;

    public sealed record Objects(int Width, int[] Label, int Count, float Sky, float Sigma);

    public static Objects Segment(AstroImage input)
    {
        var lum = input.Luminance();
        var (median, mad) = RobustStatistics.MedianMad(lum);
        float sigma = (float)(mad * RobustStatistics.MadToSigma), threshold = median + 3 * sigma;
        int w = input.Width, h = input.Height;
        var label = new int[w * h];
        int count = 0;
        var stack = new Stack<int>();
        var members = new List<int>();
        for (int start = 0; start < label.Length; start++)
        {
            if (label[start] != 0 || !(lum[start] > threshold)) continue;
            members.Clear();
            label[start] = -1; stack.Push(start);
            while (stack.Count > 0)
            {
                int i = stack.Pop(); members.Add(i);
                int x = i % w, y = i / w;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int xx = x + dx, yy = y + dy;
                        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
                        int j = yy * w + xx;
                        if (label[j] == 0 && lum[j] > threshold) { label[j] = -1; stack.Push(j); }
                    }
            }
            // Too small: noise peaks and hot pixels, left unlabelled (-1 = seen).
            if (members.Count < MinArea) continue;
            count++;
            foreach (int i in members) label[i] = count;
        }
        return new Objects(w, label, count, median, sigma);
    }

    /// <summary>Per object: (light above the sky in the result) ÷ (in the input), luminance.</summary>
    public static double[] KeptShares(Objects objects, AstroImage input, AstroImage result)
    {
        var a = input.Luminance(); var b = result.Luminance();
        var before = new double[objects.Count + 1]; var after = new double[objects.Count + 1];
        for (int i = 0; i < a.Length; i++)
        {
            int k = objects.Label[i];
            if (k <= 0) continue;
            before[k] += a[i] - objects.Sky;
            after[k] += b[i] - objects.Sky;
        }
        return Enumerable.Range(1, objects.Count).Select(k => Math.Clamp(after[k] / before[k], 0, 1.5)).ToArray();
    }
}
