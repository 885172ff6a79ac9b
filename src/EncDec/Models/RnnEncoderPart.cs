using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// RNN/LSTM/GRU encoder (optionally bidirectional, multi-layer) over padded batches with lengths. Its memory is the
/// output sequence (B, S, D·H); its final hidden (and cell) states (L·D, B, H) travel in <see cref="EncoderOutput.Extras"/>.
/// </summary>
public sealed class RnnEncoderPart : EncoderModule
{
    public Module Rnn { get; }
    public RnnCellKind Cell { get; }

    public RnnEncoderPart(RnnCellKind cell, int inputSize, int hiddenSize, int layers, bool bidirectional, float dropout, Rng? rng = null)
    {
        Cell = cell;
        Rnn = cell switch
        {
            RnnCellKind.Lstm => new Lstm(inputSize, hiddenSize, layers, true, dropout, bidirectional, rng),
            RnnCellKind.Gru => new Gru(inputSize, hiddenSize, layers, true, dropout, bidirectional, rng),
            _ => new Nn.Rnn(inputSize, hiddenSize, layers, RnnNonlinearity.Tanh, true, dropout, bidirectional, rng),
        };
    }

    public override EncoderOutput Forward(Tensor embedded, int[] lengths)
    {
        int s = embedded.Shape[1];
        var pad = EncoderOutput.MaskFromLengths(lengths, s);                 // (B, S)
        switch (Rnn)
        {
            case Lstm lstm:
            {
                var (o, st) = lstm.Forward(embedded, null, lengths);             // (B, S, D·H); (L·D, B, H)
                return new EncoderOutput(o, pad, lengths, new[] { st.H, st.C }, new[] { 1, 1 });
            }
            case Gru gru:
            {
                var (o, h) = gru.Forward(embedded, null, lengths);
                return new EncoderOutput(o, pad, lengths, new[] { h }, new[] { 1 });
            }
            default:
            {
                var (o, h) = ((Nn.Rnn)Rnn).Forward(embedded, null, lengths);
                return new EncoderOutput(o, pad, lengths, new[] { h }, new[] { 1 });
            }
        }
    }
}
