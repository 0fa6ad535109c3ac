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
}
