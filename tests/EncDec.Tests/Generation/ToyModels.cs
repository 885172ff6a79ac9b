using EncDec.Autograd;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Tests.Generation;

/// <summary>
/// Next-token logits are a fixed table of (previous token, position) — plus, optionally, a per-source offset from
/// the source's first token — so the probability of every output can be computed exactly. Attention is uniform
/// over the true source length.
/// </summary>
internal sealed class TableModel : ISeq2SeqModel
{
    public float[,,] Table { get; }   // [prev, position, next]
    public int Positions { get; }
    public bool UseSource { get; init; }
    public int StepCalls { get; private set; }

    public TableModel(int vocab, int positions, ulong seed, float scale = 2f)
    {
        TargetVocabSize = vocab; Positions = positions;
        Table = new float[vocab, positions, vocab];
        var rng = new Rng(seed);
        for (int a = 0; a < vocab; a++) for (int p = 0; p < positions; p++) for (int b = 0; b < vocab; b++)
            Table[a, p, b] = scale * (float)rng.NextNormal();
    }

    public TableModel(float[,,] table) { Table = table; TargetVocabSize = table.GetLength(0); Positions = table.GetLength(1); }

    public int TargetVocabSize { get; }

    public sealed class State(int[] firstSourceToken) : IDecoderState
    {
        public int[] FirstSourceToken { get; } = firstSourceToken;
        public IDecoderState Select(int[] rows) => new State(rows.Select(r => FirstSourceToken[r]).ToArray());
    }

    public EncoderOutput Encode(IndexTensor source, int[] lengths)
    {
        int b = source.Shape[0], s = source.Shape[1];
        var mem = Tensor.Zeros(b, s, 1);
        for (int i = 0; i < b; i++) for (int j = 0; j < s; j++) mem[i, j, 0] = source.Data[i * s + j];
        return new EncoderOutput(mem, EncoderOutput.MaskFromLengths(lengths, s), lengths);
    }

    public IDecoderState InitialState(EncoderOutput encoder)
    {
        var first = new int[encoder.BatchSize];
        for (int i = 0; i < first.Length; i++) first[i] = encoder.Lengths[i] > 0 ? (int)encoder.Memory[i, 0, 0] : 0;
        return new State(first);
    }

    /// <summary>The logits row for (previous token, position, first source token).</summary>
    public float[] Row(int prev, int position, int firstSource = 0)
    {
        int v = TargetVocabSize;
        var r = new float[v];
        int p = Math.Min(position, Positions - 1);
        for (int t = 0; t < v; t++) r[t] = Table[prev, p, t] + (UseSource ? 0.7f * ((firstSource * 7 + t * 3) % 5) : 0f);
        return r;
    }

    /// <summary>Exact log p(next | prev, position) in double.</summary>
    public double LogProb(int prev, int position, int next, int firstSource = 0)
    {
        var r = Row(prev, position, firstSource);
        double max = r.Max(), sum = 0;
        foreach (var x in r) sum += Math.Exp(x - max);
        return r[next] - (max + Math.Log(sum));
    }

    public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state)
    {
        StepCalls++;
        var st = (State)state;
        int b = tokens.Length, v = TargetVocabSize, s = encoder.SourceLength;
        var logits = Tensor.Zeros(b, v);
        var attn = Tensor.Zeros(b, s);
        for (int i = 0; i < b; i++)
        {
            var r = Row(tokens[i], position, st.FirstSourceToken[i]);
            for (int t = 0; t < v; t++) logits[i, t] = r[t];
            int len = encoder.Lengths[i];
            for (int j = 0; j < len; j++) attn[i, j] = 1f / len;
        }
        return new StepResult(logits, attn, st);
    }
}

/// <summary>
/// A tiny random attentional RNN built from library layers: memory = source embeddings; h' = tanh(W h + E y);
/// attention = softmax(memory · h') over non-padding positions; logits = Out(h' + context).
/// </summary>
internal sealed class TinyAttentionModel : Module, ISeq2SeqModel
{
    public Embedding SrcEmbed { get; }
    public Embedding TgtEmbed { get; }
    public Linear Recur { get; }
    public Linear Out { get; }

    public TinyAttentionModel(int vocab, int hidden, ulong seed)
    {
        var rng = new Rng(seed);
        SrcEmbed = new Embedding(vocab, hidden, paddingIdx: 0, rng: rng);
        TgtEmbed = new Embedding(vocab, hidden, rng: rng);
        Recur = new Linear(hidden, hidden, rng: rng);
        Out = new Linear(hidden, vocab, rng: rng);
        Eval();
    }

    public int TargetVocabSize => Out.OutFeatures;

    public sealed class State(Tensor hidden) : IDecoderState
    {
        public Tensor Hidden { get; } = hidden;
        public IDecoderState Select(int[] rows) => new State(F.IndexSelect(Hidden, 0, new IndexTensor(rows, rows.Length)));
    }

    public EncoderOutput Encode(IndexTensor source, int[] lengths)
    {
        var mem = SrcEmbed.Forward(source).MulScalar(0.5f);
        return new EncoderOutput(mem, EncoderOutput.MaskFromLengths(lengths, source.Shape[1]), lengths);
    }

    public IDecoderState InitialState(EncoderOutput encoder)
    {
        var inv = Tensor.FromArray(encoder.Lengths.Select(l => 1f / Math.Max(l, 1)).ToArray(), encoder.BatchSize, 1);
        return new State(encoder.Memory.Sum(1) * inv);   // mean over the true length (padding embeddings are zero)
    }

    public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state)
    {
        var h = ((State)state).Hidden;
        int b = tokens.Length;
        var e = TgtEmbed.Forward(new IndexTensor(tokens, b));                        // (B, H)
        var h2 = (Recur.Forward(h) + e).Tanh();
        var scores = encoder.Memory.MatMul(h2.Unsqueeze(2)).Reshape(b, -1);         // (B, S)
        var attn = scores.MaskedFill(encoder.PaddingMask, float.NegativeInfinity).Softmax(-1);
        var ctx = attn.Unsqueeze(1).MatMul(encoder.Memory).Reshape(b, -1);          // (B, H)
        var logits = Out.Forward(h2 + ctx).MulScalar(3f);
        return new StepResult(logits, attn, new State(h2));
    }
}
