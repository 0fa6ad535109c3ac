using StarPlugin.Imaging;

namespace StarPlugin.Removal;

public enum ReductionMode
{
    /// <summary>Scale the star layer: stars dim by the amount.</summary>
    Scale = 0,
    /// <summary>Morphological shrink of the star layer (grey erosion) blended by the amount: stars get smaller and dimmer.</summary>
    Shrink = 1,
}

/// <summary>
/// Star reduction from a removal result: starless + reduced(stars). The starless part
/// is untouched by construction; only the star layer changes.
/// </summary>
public static class StarReducer
{
    public static AstroImage Reduce(RemovalResult removal, float amount, ReductionMode mode)
    {
        if (removal.Starless == null || removal.Stars == null) throw new ArgumentException("reduction needs the starless image and the star layer");
        if (!(amount >= 0 && amount <= 1)) throw new ArgumentOutOfRangeException(nameof(amount), "amount must be in [0, 1]");
        var starless = removal.Starless; var stars = removal.Stars;
        var result = starless.Clone();
        int w = starless.Width, h = starless.Height;
        for (int c = 0; c < starless.ColorChannels; c++)
        {
            var layer = stars.Plane(c).ToArray();
            float[] reduced;
            if (mode == ReductionMode.Shrink)
            {
                // Erosion radius grows with the amount: 1 px at 0.33, 2 px at 0.67, 3 px at 1.
                int r = Math.Max(1, (int)MathF.Round(amount * 3));
                var eroded = PlaneFilters.MinFilter(layer, w, h, r);
                reduced = new float[layer.Length];
                for (int i = 0; i < layer.Length; i++) reduced[i] = layer[i] + amount * (eroded[i] * (1 - amount * 0.5f) - layer[i]);
            }
            else
            {
                reduced = layer;
                System.Numerics.Tensors.TensorPrimitives.Multiply(reduced, 1 - amount, reduced);
            }
            var dst = result.Plane(c);
            System.Numerics.Tensors.TensorPrimitives.Add(dst, reduced, dst);
        }
        return result;
    }

    /// <summary>
    /// The same result as <see cref="Reduce"/>, computed into <paramref name="stars"/> (the
    /// star layer of <paramref name="input"/>, alpha included), which it returns: starless
    /// (input − stars) + reduced(stars). Working memory: one plane, for the erosion.
    /// </summary>
    public static AstroImage ReduceInPlace(AstroImage input, AstroImage stars, float amount, ReductionMode mode)
    {
        if (!(amount >= 0 && amount <= 1)) throw new ArgumentOutOfRangeException(nameof(amount), "amount must be in [0, 1]");
        int w = stars.Width, h = stars.Height, n = stars.PlaneLength;
        float[]? eroded = mode == ReductionMode.Shrink ? new float[n] : null;
        int r = Math.Max(1, (int)MathF.Round(amount * 3));
        for (int c = 0; c < stars.ColorChannels; c++)
        {
            var layer = stars.Plane(c); var v = input.Plane(c);
            if (eroded != null)
            {
                layer.CopyTo(eroded);
                PlaneFilters.MinFilterInPlace(eroded, 0, w, h, r);
            }
            for (int i = 0; i < n; i++)
            {
                float reduced = eroded != null ? layer[i] + amount * (eroded[i] * (1 - amount * 0.5f) - layer[i]) : layer[i] * (1 - amount);
                layer[i] = (v[i] - layer[i]) + reduced;
            }
        }
        return stars;
    }
}
