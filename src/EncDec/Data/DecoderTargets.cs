using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Data;

/// <summary>Teacher-forcing tensors of a batch of target texts, for the image and speech trainers.</summary>
public static class DecoderTargets
{
    /// <summary>Decoder inputs [BOS] + ids (B, L) and targets ids + [EOS] (B·L), padded with PAD; L = longest + 1.</summary>
    public static (IndexTensor Input, IndexTensor Target) FromTexts(ITokenizer tokenizer, IReadOnlyList<string> texts)
    {
        var ids = texts.Select(tokenizer.Encode).ToArray();
        int t = ids.Max(x => x.Length) + 1, b = texts.Count;
        var inp = new int[b * t]; var tgt = new int[b * t];
        Array.Fill(inp, Vocabulary.PadId); Array.Fill(tgt, Vocabulary.PadId);
        for (int i = 0; i < b; i++)
        {
            inp[i * t] = Vocabulary.BosId;
            for (int j = 0; j < ids[i].Length; j++) { inp[i * t + j + 1] = ids[i][j]; tgt[i * t + j] = ids[i][j]; }
            tgt[i * t + ids[i].Length] = Vocabulary.EosId;
        }
        return (new IndexTensor(inp, b, t), new IndexTensor(tgt, b * t));   // (B, L), (B·L)
    }
}
