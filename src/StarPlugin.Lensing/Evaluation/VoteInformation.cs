namespace StarPlugin.Evaluation;

/// <summary>
/// How much one more vote tells about an image: the mutual information (bits) between a
/// voter's answer and the truth, for an image whose lens probability is now p. The
/// platform's queue shows images in order of it, so the images a vote can move most
/// (likely lenses, after the machine's vote) reach people first.
/// </summary>
public static class VoteInformation
{
    /// <summary>I(vote; truth) in bits for posterior p and a voter with P("lens"|lens), P("not"|not).</summary>
    public static double Expected(double p, double pLens, double pNot)
    {
        p = Math.Clamp(p, 0, 1);
        double saysLens = p * pLens + (1 - p) * (1 - pNot);
        return Entropy(saysLens) - p * Entropy(pLens) - (1 - p) * Entropy(pNot);
    }

    /// <summary>
    /// The queue's key, smaller first: |p − ½|. For a voter as good at lenses as at
    /// non-lenses (P_L = P_D) <see cref="Expected"/> depends on p only through it and falls
    /// as it grows, so this orders images by expected information for every such voter,
    /// and the store can sort by it in SQL (ABS(posterior − 0.5)).
    /// </summary>
    public static double QueueKey(double p) => Math.Abs(p - 0.5);

    private static double Entropy(double q) => q <= 0 || q >= 1 ? 0 : -(q * Math.Log2(q) + (1 - q) * Math.Log2(1 - q));
}
